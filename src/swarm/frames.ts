/**
 * Framing for every swarm protocol: `[u32 length][u8 type][payload]`. The decoder refuses a
 * length above MAX_FRAME_BYTES before buffering anything, so a peer cannot make us allocate more
 * than one frame's worth, and every payload is decoded by exactly one function here.
 */
import {
  decodeAnnouncement,
  encodeAnnouncement,
  type Announcement,
  type ObjectKind,
} from './announcement.js';
import { ByteReader, ByteWriter, WireError } from './bytes.js';
import { encodeControl, parseControl, type ControlMessage } from './messages.js';
import { FRAME, FRAME_HEADER_BYTES, LIMITS, MAX_FRAME_BYTES } from './protocol.js';

export type Frame =
  | { type: 'control'; message: ControlMessage }
  | { type: 'announce'; announcement: Announcement }
  | { type: 'chunk'; kind: ObjectKind; id: number; offset: number; data: Uint8Array }
  | { type: 'abort'; kind: ObjectKind; id: number };

const kindByte = (kind: ObjectKind) => (kind === 'media' ? 0 : 1);

function readKind(reader: ByteReader): ObjectKind {
  const value = reader.u8();
  if (value > 1) throw new WireError('unknown object kind');
  return value === 0 ? 'media' : 'init';
}

export function encodeFrame(frame: Frame): Uint8Array {
  let body: Uint8Array;
  switch (frame.type) {
    case 'control': {
      const json = encodeControl(frame.message);
      body = new Uint8Array(1 + json.length);
      body[0] = FRAME.control;
      body.set(json, 1);
      break;
    }
    case 'announce': {
      const encoded = encodeAnnouncement(frame.announcement);
      body = new Uint8Array(1 + encoded.length);
      body[0] = FRAME.announce;
      body.set(encoded, 1);
      break;
    }
    case 'chunk': {
      if (frame.data.length === 0 || frame.data.length > LIMITS.chunkBytes) {
        throw new RangeError('chunk size out of range');
      }
      // The hot path: one allocation, one copy of the payload.
      const writer = new ByteWriter(FRAME_HEADER_BYTES + 10 + frame.data.length);
      writer.u32(10 + frame.data.length);
      writer.u8(FRAME.chunk);
      writer.u8(kindByte(frame.kind));
      writer.u32(frame.id);
      writer.u32(frame.offset);
      writer.bytes(frame.data);
      return writer.finish();
    }
    case 'abort': {
      const writer = new ByteWriter(6);
      writer.u8(FRAME.abort);
      writer.u8(kindByte(frame.kind));
      writer.u32(frame.id);
      body = writer.finish();
      break;
    }
  }
  const out = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}

export function decodeFrameBody(body: Uint8Array): Frame {
  const reader = new ByteReader(body);
  const type = reader.u8();
  switch (type) {
    case FRAME.control:
      return { type: 'control', message: parseControl(reader.rest()) };
    case FRAME.announce:
      return { type: 'announce', announcement: decodeAnnouncement(reader.rest()) };
    case FRAME.chunk: {
      const kind = readKind(reader);
      const id = reader.u32();
      const offset = reader.u32();
      const data = reader.rest();
      if (data.length === 0 || data.length > LIMITS.chunkBytes)
        throw new WireError('bad chunk size');
      return { type: 'chunk', kind, id, offset, data };
    }
    case FRAME.abort: {
      const kind = readKind(reader);
      const id = reader.u32();
      reader.end();
      return { type: 'abort', kind, id };
    }
    default:
      throw new WireError(`unknown frame type ${type}`);
  }
}

/** Splits a byte stream into frames. Throws WireError on the first malformed byte. */
export class FrameDecoder {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  push(chunk: Uint8Array): Frame[] {
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      if (this.pendingBytes < FRAME_HEADER_BYTES) break;
      const length = this.peekLength();
      if (length === 0 || length > MAX_FRAME_BYTES)
        throw new WireError(`frame length ${length} out of range`);
      if (this.pendingBytes < FRAME_HEADER_BYTES + length) break;
      const whole = this.take(FRAME_HEADER_BYTES + length);
      frames.push(decodeFrameBody(whole.subarray(FRAME_HEADER_BYTES)));
    }
    return frames;
  }

  /** Bytes received but not yet a whole frame. */
  get buffered(): number {
    return this.pendingBytes;
  }

  private peekLength(): number {
    const head =
      this.pending[0]!.length >= FRAME_HEADER_BYTES
        ? this.pending[0]!
        : this.take(FRAME_HEADER_BYTES, false);
    return new DataView(head.buffer, head.byteOffset, FRAME_HEADER_BYTES).getUint32(0);
  }

  /** Removes (or with consume=false, copies) the first `count` bytes. */
  private take(count: number, consume = true): Uint8Array {
    const first = this.pending[0]!;
    if (first.length >= count) {
      if (consume) {
        if (first.length === count) this.pending.shift();
        else this.pending[0] = first.subarray(count);
        this.pendingBytes -= count;
      }
      return first.subarray(0, count);
    }
    const out = new Uint8Array(count);
    let filled = 0;
    let index = 0;
    while (filled < count) {
      const part = this.pending[index]!;
      const use = Math.min(part.length, count - filled);
      out.set(part.subarray(0, use), filled);
      filled += use;
      if (consume) {
        if (use === part.length) {
          this.pending.shift();
        } else {
          this.pending[0] = part.subarray(use);
        }
      } else {
        index += 1;
      }
    }
    if (consume) this.pendingBytes -= count;
    return out;
  }
}
