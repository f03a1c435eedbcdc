/**
 * Follows an RTMP client's chunk stream up to `publish` and decides whether to let it through.
 * Pure (bytes in, verdict out), so it can be tested and fuzzed without sockets.
 *
 * The decoder mirrors ffmpeg's own chunk reader (libavformat/rtmppkt.c) and is stricter wherever
 * the two could disagree: a framing difference would let a publish slip past the gate unseen.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Amf0Error, decodeAmf0, type Amf0Value } from './amf0.js';

/** Why a connection was turned away; `malformed` reasons carry a detail after the colon. */
export const REFUSAL = {
  wrongKey: 'wrong stream key',
  wrongApp: 'wrong app',
  malformed: 'malformed RTMP',
  alreadyLive: 'a publisher is already live',
  timeout: 'timed out waiting for publish',
  upstreamDown: 'ingest is not ready (ffmpeg is not listening)',
} as const;

const HANDSHAKE_BYTES = 1 + 1536 + 1536; // C0 + C1 + C2
const RTMP_VERSION = 3;
const DEFAULT_CHUNK_SIZE = 128;
const MAX_CHUNK_SIZE = 0x7fffffff; // ffmpeg reads it as a signed int and rejects <= 0
/** Before publish only commands and control messages are legitimate, all a few hundred bytes. */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** Unparsed bytes plus partly reassembled messages, across all chunk streams. */
const MAX_BUFFERED_BYTES = 64 * 1024;
const MAX_CHUNK_STREAMS = 64;
const EMPTY = Buffer.alloc(0);

const MSG = {
  setChunkSize: 1,
  ack: 3,
  userControl: 4,
  windowAckSize: 5,
  setPeerBandwidth: 6,
  commandAmf0: 20,
} as const;

/**
 * Message types a publisher may send before `publish`. Media must not pass: ffmpeg's listener
 * starts demuxing audio/video as soon as it sees it, publish or not. Abort (2) is refused because
 * ffmpeg treats it differently from the spec, and AMF3 commands (17) because ffmpeg ignores them.
 */
const ALLOWED_BEFORE_PUBLISH = new Set<number>(Object.values(MSG));

/** Commands that would switch ffmpeg's listener into another mode; a publisher never sends them. */
const FORBIDDEN_COMMANDS = new Set(['play', 'play2']);

/**
 * Commands whose 4th value is the stream name and which ffmpeg 4.1 treats as the start of a
 * publish (`FCPublish` already switches its listener to receiving): both must carry the key.
 */
const KEYED_COMMANDS = new Set(['FCPublish', 'publish']);

export type InspectVerdict =
  /** Forward these bytes and keep inspecting. */
  | { action: 'forward'; bytes: Buffer }
  /** Publish checked: forward these bytes, then everything else without inspection. */
  | { action: 'accept'; bytes: Buffer }
  /** Forward nothing more; close both sides. */
  | { action: 'refuse'; reason: string };

class Refusal extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function malformed(detail: string): Refusal {
  return new Refusal(`${REFUSAL.malformed}: ${detail}`);
}

interface ChunkStream {
  length: number;
  type: number;
  /** The 24-bit timestamp field of the message's first header; 0xffffff means extended. */
  tsField: number;
  /** Whether a message on this stream is partly received. */
  open: boolean;
  received: number;
  parts: Buffer[];
}

interface ChunkRead {
  size: number;
  message?: { type: number; payload: Buffer };
}

/**
 * Follows the client-to-server half of an RTMP connection until a checked `publish`. Pure: feed
 * it bytes, do what the verdict says. Never throws on input.
 */
export class RtmpPublishInspector {
  private handshakeLeft = HANDSHAKE_BYTES;
  private pending: Buffer = EMPTY;
  private chunkSize = DEFAULT_CHUNK_SIZE;
  private readonly streams = new Map<number, ChunkStream>();
  /** Payload bytes held in partly received messages. */
  private retained = 0;
  private connected = false;
  private accepted = false;
  private refusal: string | undefined;
  private readonly keyDigest: Buffer;

  constructor(
    private readonly app: string,
    key: string,
  ) {
    this.keyDigest = digest(key);
  }

  get state(): 'inspecting' | 'accepted' | 'refused' {
    if (this.refusal !== undefined) return 'refused';
    return this.accepted ? 'accepted' : 'inspecting';
  }

  /** Bytes received but not yet released (bounded by the buffer limit). */
  get buffered(): number {
    return this.pending.length + this.retained;
  }

  push(data: Buffer): InspectVerdict {
    if (this.refusal !== undefined) return { action: 'refuse', reason: this.refusal };
    if (this.accepted) return { action: 'forward', bytes: data };
    try {
      return this.inspect(data);
    } catch (error) {
      // Anything unexpected is the client's bytes tripping us up: refuse, never crash.
      this.refusal =
        error instanceof Refusal ? error.reason : `${REFUSAL.malformed}: undecodable data`;
      this.pending = EMPTY;
      this.streams.clear();
      this.retained = 0;
      return { action: 'refuse', reason: this.refusal };
    }
  }

  private inspect(data: Buffer): InspectVerdict {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, data]) : data;
    let offset = 0;
    for (;;) {
      if (this.handshakeLeft > 0) {
        if (offset >= buf.length) break;
        if (this.handshakeLeft === HANDSHAKE_BYTES && buf[offset] !== RTMP_VERSION) {
          throw malformed('not a plain RTMP handshake');
        }
        const take = Math.min(this.handshakeLeft, buf.length - offset);
        this.handshakeLeft -= take;
        offset += take;
        continue;
      }
      const chunk = this.readChunk(buf, offset);
      if (!chunk) break;
      if (chunk.message && this.handleMessage(chunk.message.type, chunk.message.payload)) {
        this.accepted = true;
        this.pending = EMPTY;
        this.streams.clear();
        this.retained = 0;
        return { action: 'accept', bytes: buf };
      }
      offset += chunk.size;
    }
    // Copy the tail so a large socket read is not kept alive by a small remainder.
    this.pending = offset < buf.length ? Buffer.from(buf.subarray(offset)) : EMPTY;
    if (this.buffered > MAX_BUFFERED_BYTES) throw malformed('too much data before publish');
    return { action: 'forward', bytes: buf.subarray(0, offset) };
  }

  /** Reads one whole chunk at `start`, or returns undefined if it has not fully arrived. */
  private readChunk(buf: Buffer, start: number): ChunkRead | undefined {
    let at = start;
    const first = buf[at];
    if (first === undefined) return undefined;
    at += 1;
    const fmt = first >> 6;
    let csid = first & 0x3f;
    if (csid < 2) {
      const extra = csid + 1;
      if (buf.length - at < extra) return undefined;
      csid = 64 + buf.readUInt8(at) + (extra === 2 ? buf.readUInt8(at + 1) * 256 : 0);
      at += extra;
    }
    // Checked before waiting for the rest of the header, so junk is refused at once.
    const stream = this.streams.get(csid);
    if (!stream && fmt !== 0) throw malformed('chunk refers to an unknown chunk stream');
    if (stream?.open && fmt !== 3) throw malformed('new message header inside a message');
    if (!stream && this.streams.size >= MAX_CHUNK_STREAMS) {
      throw malformed('too many chunk streams');
    }
    const headerBytes = [11, 7, 3, 0][fmt] ?? 0;
    if (buf.length - at < headerBytes) return undefined;

    let tsField = stream?.tsField ?? 0;
    let length = stream?.length ?? 0;
    let type = stream?.type ?? 0;
    if (fmt < 3) tsField = buf.readUIntBE(at, 3);
    if (fmt < 2) {
      length = buf.readUIntBE(at + 3, 3);
      type = buf.readUInt8(at + 6);
    }
    at += headerBytes;
    if (tsField === 0xffffff) {
      if (buf.length - at < 4) return undefined;
      at += 4;
    }

    const starting = !stream?.open;
    if (starting) {
      // Checked before the payload arrives, so a hostile header is refused at once.
      if (!ALLOWED_BEFORE_PUBLISH.has(type)) {
        throw malformed(`message type ${type} before publish`);
      }
      if (length > MAX_MESSAGE_BYTES) throw malformed('message too large before publish');
    }
    const received = starting ? 0 : (stream?.received ?? 0);
    const take = Math.min(this.chunkSize, length - received);
    if (buf.length - at < take) return undefined;

    // The whole chunk is here: only now update the chunk stream state.
    const state: ChunkStream = stream ?? {
      length,
      type,
      tsField,
      open: false,
      received: 0,
      parts: [],
    };
    if (!stream) this.streams.set(csid, state);
    if (starting) {
      Object.assign(state, { length, type, tsField, open: true, received: 0, parts: [] });
    }
    if (take > 0) {
      state.parts.push(Buffer.from(buf.subarray(at, at + take)));
      state.received += take;
      this.retained += take;
    }
    at += take;
    if (state.received < state.length) return { size: at - start };

    const payload = Buffer.concat(state.parts);
    this.retained -= state.received;
    state.open = false;
    state.parts = [];
    state.received = 0;
    return { size: at - start, message: { type: state.type, payload } };
  }

  /** Acts on a whole message; returns true when it is a publish that passes the checks. */
  private handleMessage(type: number, payload: Buffer): boolean {
    if (type === MSG.setChunkSize) {
      if (payload.length < 4) throw malformed('short set chunk size');
      const size = payload.readUInt32BE(0);
      if (size === 0 || size > MAX_CHUNK_SIZE) throw malformed('invalid chunk size');
      this.chunkSize = size;
      return false;
    }
    if (type !== MSG.commandAmf0) return false;
    const values = decodeCommand(payload, 1);
    const name = values[0];
    if (typeof name !== 'string') throw malformed('command without a name');
    if (FORBIDDEN_COMMANDS.has(name)) throw malformed(`"${name}" sent to a publish-only ingest`);
    if (name === 'connect') {
      if (this.connected) throw malformed('second connect');
      this.checkApp(decodeCommand(payload, 3)[2]);
      this.connected = true;
      return false;
    }
    if (!KEYED_COMMANDS.has(name)) return false;
    if (!this.connected) throw malformed(`${name} before connect`);
    this.checkKey(decodeCommand(payload, 4)[3]);
    return name === 'publish';
  }

  private checkKey(streamName: Amf0Value): void {
    if (typeof streamName !== 'string') throw new Refusal(REFUSAL.wrongKey);
    const key = streamName.split('?', 1)[0] ?? '';
    // Compare digests: equal length, constant time, and no hint about the key's length.
    if (!timingSafeEqual(digest(key), this.keyDigest)) throw new Refusal(REFUSAL.wrongKey);
  }

  private checkApp(commandObject: Amf0Value): void {
    const app =
      commandObject && typeof commandObject === 'object' && !Array.isArray(commandObject)
        ? commandObject.app
        : undefined;
    if (typeof app !== 'string' || trimSlashes(app) !== trimSlashes(this.app)) {
      throw new Refusal(REFUSAL.wrongApp);
    }
  }
}

function decodeCommand(payload: Buffer, maxValues: number): Amf0Value[] {
  try {
    return decodeAmf0(payload, { maxValues });
  } catch (error) {
    if (error instanceof Amf0Error) throw malformed(error.message);
    throw error;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function trimSlashes(app: string): string {
  return app.replace(/\/+$/, '');
}
