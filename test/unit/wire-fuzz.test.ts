/**
 * Property tests for every wire decoder. Peers feed these functions bytes from strangers, so the
 * contract is strict: valid input comes back exactly as it was sent, however the network split
 * it, and anything else fails with a WireError (which the caller turns into a disconnect), never
 * with some other exception and never by buffering more than one frame.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/seeder/stream-key.js';
import {
  decodeAnnouncement,
  encodeAnnouncement,
  MAX_ANNOUNCEMENT_BYTES,
  MAX_OBJECT_BYTES,
  signAnnouncement,
  verifyAnnouncement,
  type Announcement,
  type ObjectKind,
  type UnsignedAnnouncement,
} from '../../src/swarm/announcement.js';
import { WireError } from '../../src/swarm/bytes.js';
import { decodeFrameBody, encodeFrame, FrameDecoder, type Frame } from '../../src/swarm/frames.js';
import {
  encodeControl,
  parseControl,
  type CandidateInfo,
  type ControlMessage,
  type PeerKind,
  type PeerReport,
} from '../../src/swarm/messages.js';
import { FRAME, FRAME_HEADER_BYTES, LIMITS, MAX_FRAME_BYTES } from '../../src/swarm/protocol.js';
import { MAX_COORDINATE_MS, type Coordinate } from '../../src/swarm/vivaldi.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const MAX_BUFFERED = FRAME_HEADER_BYTES + MAX_FRAME_BYTES;

/** Runs a decoder on untrusted input: its value, or the WireError it threw. Anything else escapes. */
function decodeOrWireError<T>(decode: () => T): T | WireError {
  try {
    return decode();
  } catch (error) {
    if (error instanceof WireError) return error;
    throw error;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Cuts `bytes` at the given positions (taken modulo its length), as a network might. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.subarray(from, point));
    from = point;
  }
  return pieces;
}

/** Deterministic filler, so 64 KiB payloads cost one integer of generation rather than 65 536. */
function filled(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Chunk payloads as comparable strings: deep equality on 64 KiB typed arrays is slow. */
function comparable(frames: Frame[]): unknown[] {
  return frames.map((frame) =>
    frame.type === 'chunk' ? { ...frame, data: Buffer.from(frame.data).toString('base64') } : frame,
  );
}

// ---------------------------------------------------------------- arbitraries

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const objectKind = fc.constantFrom<ObjectKind>('media', 'init');
const peerKind = fc.constantFrom<PeerKind>('relay', 'browser');

// Single UTF-16 code units, lone surrogates and control characters included: JSON must carry them
// all, and the parser's limits count `.length`, so one unit per generated character keeps
// generated strings within the limits they are generated for.
const codeUnit = fc.oneof(
  fc.constantFrom('a', 'Z', '0', '"', '\\', '/', '\n', '\u0000', '\u2028', 'é', '\ud83d', '\ude00'),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
);
const text = (maxLength: number) => fc.string({ unit: codeUnit, maxLength });
const peerId = text(128);
const addrList = fc.array(text(LIMITS.maxAddrLength), { maxLength: LIMITS.maxAddrs });
const pathList = fc.array(peerId, { maxLength: LIMITS.maxPathLength });
const nonNegative = (max: number) => fc.double({ min: 0, max, noNaN: true });

// `+ 0` turns -0 into 0: JSON has no negative zero, so -0 cannot round-trip.
const coordinateMs = (min: number) =>
  fc.double({ min, max: MAX_COORDINATE_MS, noNaN: true }).map((value) => value + 0);
const coordinate: fc.Arbitrary<Coordinate> = fc.record({
  x: coordinateMs(-MAX_COORDINATE_MS),
  y: coordinateMs(-MAX_COORDINATE_MS),
  h: coordinateMs(0),
  e: fc.double({ min: 0, max: 1, noNaN: true }).map((value) => value + 0),
});

const candidateInfo: fc.Arbitrary<CandidateInfo> = fc.record(
  {
    id: peerId,
    addrs: addrList,
    depth: fc.integer({ min: 0, max: 1000 }),
    freeSlots: fc.integer({ min: 0, max: 1000 }),
    coord: coordinate,
  },
  { requiredKeys: ['id', 'addrs', 'depth', 'freeSlots'] },
);

const peerReport: fc.Arbitrary<PeerReport> = fc.record({
  kind: peerKind,
  parent: fc.option(peerId, { nil: null }),
  depth: fc.integer({ min: 0, max: 1000 }),
  rttMs: nonNegative(600_000),
  children: fc.integer({ min: 0, max: 1000 }),
  maxChildren: fc.integer({ min: 0, max: 1000 }),
  segmentsReceived: u32,
  firstSequence: fc.option(u32, { nil: null }),
  lastSequence: fc.option(u32, { nil: null }),
  missedSegments: u32,
  bytesFromPeers: nonNegative(Number.MAX_SAFE_INTEGER),
  bytesFromOrigin: nonNegative(Number.MAX_SAFE_INTEGER),
  bytesUploaded: nonNegative(Number.MAX_SAFE_INTEGER),
  originLatencyMs: nonNegative(600_000),
  originLatencyP95Ms: nonNegative(600_000),
  addrs: addrList,
});

/** Every member of the ControlMessage union, each field anywhere inside its declared range. */
const controlMessage: fc.Arbitrary<ControlMessage> = fc
  .oneof(
    fc.record({
      t: fc.constant('attach' as const),
      stream: text(64),
      kind: peerKind,
      after: fc.option(u32, { nil: null }),
    }),
    fc.record({
      t: fc.constant('accept' as const),
      depth: fc.integer({ min: 1, max: 1000 }),
      path: pathList,
      have: fc.option(fc.tuple(u32, u32), { nil: null }),
    }),
    fc.record({
      t: fc.constant('reject' as const),
      reason: fc.constantFrom('full', 'loop', 'unknown-stream', 'refused'),
    }),
    fc.record({
      t: fc.constant('path' as const),
      depth: fc.integer({ min: 1, max: 1000 }),
      path: pathList,
    }),
    fc.record({ t: fc.constant('get' as const), kind: objectKind, id: u32 }),
    fc.record({ t: fc.constant('missing' as const) }),
    fc.record(
      {
        t: fc.constant('join' as const),
        stream: text(64),
        kind: peerKind,
        maxChildren: fc.integer({ min: 0, max: 1000 }),
        exclude: pathList,
        coord: coordinate,
        // `refresh: false` is sent as no field at all.
        refresh: fc.constant(true as const),
      },
      { requiredKeys: ['t', 'stream', 'kind', 'maxChildren', 'exclude'] },
    ),
    fc.record(
      {
        t: fc.constant('candidates' as const),
        stream: text(64),
        publicKey: text(64),
        httpBase: text(512),
        origin: candidateInfo,
        candidates: fc.array(candidateInfo, { maxLength: LIMITS.maxCandidates }),
        depthBudget: fc.integer({ min: 1, max: 1000 }),
      },
      { requiredKeys: ['t', 'stream', 'publicKey', 'httpBase', 'origin', 'candidates'] },
    ),
    fc.record({ t: fc.constant('report' as const), stream: text(64), report: peerReport }),
    fc.record({
      t: fc.constant('rtc-offer' as const),
      peer: text(128),
      sdp: fc.string({ maxLength: LIMITS.sdpChars }),
    }),
    fc.record({ t: fc.constant('rtc-answer' as const), sdp: fc.string({ maxLength: 2048 }) }),
    fc.record({ t: fc.constant('ok' as const) }),
    fc.record({ t: fc.constant('error' as const), message: text(512) }),
  )
  // Fields at their limits can add up to more than one control message may hold; the encoder
  // refuses those by design, so they are not valid input for a round trip.
  .filter((message) => utf8(JSON.stringify(message)).length <= LIMITS.controlBytes);

// Any well-formed stream id of 1..64 UTF-8 bytes. A leading U+FEFF is left out: TextDecoder
// strips it as a byte order mark, so such an id cannot round-trip (reported, harmless for ids
// the CLI accepts).
const streamId = fc.oneof(
  fc.constantFrom('main', 'x'.repeat(64), 'é'.repeat(32)),
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 16 })
    .filter((id) => utf8(id).length <= 64 && !id.startsWith('\ufeff')),
);

const unsignedAnnouncement: fc.Arbitrary<UnsignedAnnouncement> = fc.record({
  streamId,
  kind: objectKind,
  id: u32,
  initId: u32,
  durationMs: u32,
  discontinuity: fc.boolean(),
  discontinuitySequence: u32,
  startedAt: fc.double({ noNaN: true, noDefaultInfinity: true }),
  publishedAt: fc.double({ noNaN: true, noDefaultInfinity: true }),
  byteLength: fc.oneof(
    fc.constantFrom(1, MAX_OBJECT_BYTES),
    fc.integer({ min: 1, max: MAX_OBJECT_BYTES }),
  ),
  sha256: fc.uint8Array({ minLength: 32, maxLength: 32 }),
});

/** Well-formed but unsigned (random signature bytes): decoding does not verify. */
const announcement: fc.Arbitrary<Announcement> = fc
  .tuple(unsignedAnnouncement, fc.uint8Array({ minLength: 64, maxLength: 64 }))
  .map(([unsigned, signature]) => ({ ...unsigned, signature }));

const chunkPayload = fc
  .tuple(
    fc.oneof(fc.constantFrom(1, LIMITS.chunkBytes), fc.integer({ min: 1, max: LIMITS.chunkBytes })),
    fc.integer(),
  )
  .map(([length, seed]) => filled(length, seed));

const frame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ type: fc.constant('control' as const), message: controlMessage }),
  fc.record({ type: fc.constant('announce' as const), announcement }),
  fc.record({
    type: fc.constant('chunk' as const),
    kind: objectKind,
    id: u32,
    offset: u32,
    data: chunkPayload,
  }),
  fc.record({ type: fc.constant('abort' as const), kind: objectKind, id: u32 }),
);

/** A valid encoding with one byte changed, cut short, or with bytes appended. */
function damaged(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      valid,
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      fc.constantFrom('flip', 'truncate', 'extend'),
    )
    .map(([bytes, at, value, how]) => {
      if (bytes.length === 0) return bytes;
      const index = at % bytes.length;
      if (how === 'truncate') return bytes.slice(0, index);
      if (how === 'extend') return concat([bytes, new Uint8Array([value])]);
      const out = bytes.slice();
      out[index] = out[index]! ^ value;
      return out;
    });
}

const u32Bytes = (value: number) => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
};

// ---------------------------------------------------------------- frames

describe('FrameDecoder', () => {
  it('gives back the frames that were encoded, however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(frame, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 24 }),
        (frames, cuts) => {
          const decoder = new FrameDecoder();
          const out: Frame[] = [];
          for (const piece of split(concat(frames.map(encodeFrame)), cuts)) {
            out.push(...decoder.push(piece));
            expect(decoder.buffered).toBeLessThanOrEqual(MAX_BUFFERED);
          }
          expect(comparable(out)).toEqual(comparable(frames));
          expect(decoder.buffered).toBe(0);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('decodes small frames fed one byte at a time', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ type: fc.constant('control' as const), message: controlMessage }),
            fc.record({ type: fc.constant('abort' as const), kind: objectKind, id: u32 }),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        (frames) => {
          const bytes = concat(frames.map(encodeFrame));
          const decoder = new FrameDecoder();
          const out: Frame[] = [];
          for (let i = 0; i < bytes.length; i++)
            out.push(...decoder.push(bytes.subarray(i, i + 1)));
          expect(out).toEqual(frames);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('on arbitrary bytes returns frames or throws WireError, and never holds more than one frame', () => {
    const header = fc.oneof(
      fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: MAX_FRAME_BYTES - 2, max: MAX_FRAME_BYTES + 2 }),
      u32,
    );
    const piece = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // A plausible header followed by noise, so bodies (not just lengths) get exercised.
      fc
        .tuple(
          header,
          fc.constantFrom(0, ...Object.values(FRAME), 5, 255),
          fc.uint8Array({ maxLength: 300 }),
        )
        .map(([length, type, rest]) => concat([u32Bytes(length), new Uint8Array([type]), rest])),
      frame.map(encodeFrame),
      damaged(frame.map(encodeFrame)),
    );
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }), (pieces) => {
        const decoder = new FrameDecoder();
        for (const bytes of pieces) {
          const result = decodeOrWireError(() => decoder.push(bytes));
          // The caller drops the connection on the first WireError; nothing after it matters.
          if (result instanceof WireError) return;
          for (const decoded of result)
            expect(['control', 'announce', 'chunk', 'abort']).toContain(decoded.type);
          expect(decoder.buffered).toBeLessThanOrEqual(MAX_BUFFERED);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an oversized or empty length as soon as the header is complete', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(0), fc.integer({ min: MAX_FRAME_BYTES + 1, max: 0xffffffff })),
        fc.integer({ min: 0, max: FRAME_HEADER_BYTES - 1 }),
        (length, cut) => {
          // Only the 4 header bytes are ever sent: the decoder must not wait for (or make room
          // for) the body it claims.
          const decoder = new FrameDecoder();
          const head = u32Bytes(length);
          expect(decoder.push(head.subarray(0, cut))).toEqual([]);
          expect(() => decoder.push(head.subarray(cut))).toThrow(WireError);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('waits for the body of a frame of exactly the maximum length', () => {
    const decoder = new FrameDecoder();
    const bytes = encodeFrame({
      type: 'chunk',
      kind: 'media',
      id: 1,
      offset: 0,
      data: filled(LIMITS.chunkBytes, 7),
    });
    expect(bytes.length).toBe(MAX_BUFFERED);
    expect(decoder.push(bytes.subarray(0, 100))).toEqual([]);
    expect(decoder.buffered).toBe(100);
    expect(decoder.push(bytes.subarray(100))).toHaveLength(1);
    expect(decoder.buffered).toBe(0);
  });
});

describe('decodeFrameBody', () => {
  it('on arbitrary bodies returns a frame or throws WireError', () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 256 }),
      fc
        .tuple(fc.constantFrom(...Object.values(FRAME)), fc.uint8Array({ maxLength: 256 }))
        .map(([type, rest]) => concat([new Uint8Array([type]), rest])),
      damaged(frame.map((f) => encodeFrame(f).subarray(FRAME_HEADER_BYTES))),
    );
    fc.assert(
      fc.property(body, (bytes) => {
        decodeOrWireError(() => decodeFrameBody(bytes));
      }),
      { numRuns: 400 },
    );
  });

  it('rejects empty and oversized chunks, unknown kinds and types, and trailing bytes on an abort', () => {
    const chunkBody = (kind: number, data: Uint8Array) =>
      concat([new Uint8Array([FRAME.chunk, kind]), u32Bytes(1), u32Bytes(0), data]);
    expect(() => decodeFrameBody(new Uint8Array(0))).toThrow(WireError);
    expect(() => decodeFrameBody(chunkBody(0, new Uint8Array(0)))).toThrow(WireError);
    expect(() => decodeFrameBody(chunkBody(0, new Uint8Array(LIMITS.chunkBytes + 1)))).toThrow(
      WireError,
    );
    expect(decodeFrameBody(chunkBody(1, new Uint8Array(LIMITS.chunkBytes)))).toMatchObject({
      type: 'chunk',
      kind: 'init',
    });
    expect(() => decodeFrameBody(chunkBody(2, new Uint8Array(1)))).toThrow(WireError);
    expect(() => decodeFrameBody(new Uint8Array([9]))).toThrow(WireError);
    const abort = concat([new Uint8Array([FRAME.abort, 0]), u32Bytes(5)]);
    expect(decodeFrameBody(abort)).toEqual({ type: 'abort', kind: 'media', id: 5 });
    expect(() => decodeFrameBody(concat([abort, new Uint8Array([0])]))).toThrow(WireError);
  });
});

// ---------------------------------------------------------------- announcements

describe('decodeAnnouncement', () => {
  it('round-trips every well-formed announcement', () => {
    fc.assert(
      fc.property(announcement, (a) => {
        const bytes = encodeAnnouncement(a);
        expect(bytes.length).toBeLessThanOrEqual(MAX_ANNOUNCEMENT_BYTES);
        expect(decodeAnnouncement(bytes)).toEqual(a);
      }),
      { numRuns: 200 },
    );
  });

  it('on arbitrary bytes returns an in-range announcement or throws WireError', () => {
    const magic = u32Bytes(0x53434131);
    const input = fc.oneof(
      fc.uint8Array({ maxLength: MAX_ANNOUNCEMENT_BYTES + 8 }),
      fc.uint8Array({ maxLength: MAX_ANNOUNCEMENT_BYTES }).map((rest) => concat([magic, rest])),
      damaged(announcement.map(encodeAnnouncement)),
    );
    fc.assert(
      fc.property(input, (bytes) => {
        const result = decodeOrWireError(() => decodeAnnouncement(bytes));
        if (result instanceof WireError) return;
        expect(result.byteLength).toBeGreaterThan(0);
        expect(result.byteLength).toBeLessThanOrEqual(MAX_OBJECT_BYTES);
        expect(Number.isFinite(result.startedAt) && Number.isFinite(result.publishedAt)).toBe(true);
        expect(result.sha256).toHaveLength(32);
        expect(result.signature).toHaveLength(64);
        expect(result.streamId.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });

  it('rejects oversized input and objects claiming more than the maximum size', () => {
    expect(() => decodeAnnouncement(new Uint8Array(MAX_ANNOUNCEMENT_BYTES + 1))).toThrow(WireError);
    const base: Announcement = {
      streamId: 'main',
      kind: 'media',
      id: 1,
      initId: 0,
      durationMs: 1000,
      discontinuity: false,
      discontinuitySequence: 0,
      startedAt: 1,
      publishedAt: 2,
      byteLength: MAX_OBJECT_BYTES + 1,
      sha256: new Uint8Array(32),
      signature: new Uint8Array(64),
    };
    expect(() => decodeAnnouncement(encodeAnnouncement(base))).toThrow(WireError);
    expect(() => decodeAnnouncement(encodeAnnouncement({ ...base, byteLength: 0 }))).toThrow(
      WireError,
    );
    expect(() =>
      decodeAnnouncement(encodeAnnouncement({ ...base, byteLength: 10, startedAt: NaN })),
    ).toThrow(WireError);
  });

  it('hands out digests that do not alias the received buffer', () => {
    const bytes = encodeAnnouncement({
      streamId: 'main',
      kind: 'init',
      id: 3,
      initId: 3,
      durationMs: 0,
      discontinuity: false,
      discontinuitySequence: 0,
      startedAt: 1,
      publishedAt: 2,
      byteLength: 10,
      sha256: new Uint8Array(32).fill(1),
      signature: new Uint8Array(64).fill(2),
    });
    const decoded = decodeAnnouncement(bytes);
    // Network buffers get reused; a kept announcement must not change with them.
    bytes.fill(0);
    expect(decoded.sha256.every((byte) => byte === 1)).toBe(true);
    expect(decoded.signature.every((byte) => byte === 2)).toBe(true);
  });

  it('a signed announcement with any byte changed fails to decode, fails to verify, or means the same', () => {
    const key = generateKeyPair();
    const signed = signAnnouncement(
      {
        streamId: 'main',
        kind: 'media',
        id: 42,
        initId: 1,
        durationMs: 2000,
        discontinuity: false,
        discontinuitySequence: 0,
        startedAt: 1_700_000_000_000,
        publishedAt: 1_700_000_002_000,
        byteLength: 123_456,
        sha256: filled(32, 3),
      },
      key.secretKey,
    );
    const bytes = encodeAnnouncement(signed);
    fc.assert(
      fc.property(
        fc.nat({ max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (index, value) => {
          const changed = bytes.slice();
          changed[index] = changed[index]! ^ value;
          const result = decodeOrWireError(() => decodeAnnouncement(changed));
          if (result instanceof WireError || !verifyAnnouncement(result, key.publicKey)) return;
          // Accepted despite the change: only possible if nothing a peer acts on changed.
          expect(result).toEqual(signed);
        },
      ),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------- control messages

/** JSON round-trip copy, so mutations never touch the generated value. */
const cloneJson = (value: ControlMessage): Record<string, unknown> =>
  JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

/** Fields a message may leave out: a peer's coordinate and the refresh mark. */
const OPTIONAL = new Set(['coord', 'refresh', 'depthBudget']);

/** Dotted paths of every field a valid message must carry, nested records included. */
function requiredFields(message: ControlMessage): string[] {
  const top = Object.keys(message).filter((key) => key !== 't' && !OPTIONAL.has(key));
  if (message.t === 'report')
    return [...top, ...Object.keys(message.report).map((key) => `report.${key}`)];
  if (message.t === 'candidates')
    return [
      ...top,
      ...Object.keys(message.origin)
        .filter((key) => !OPTIONAL.has(key))
        .map((key) => `origin.${key}`),
    ];
  return top;
}

/** Replaces (or with `undefined`, deletes) the field at a dotted path. */
function withField(message: ControlMessage, path: string, value: unknown): Uint8Array {
  const copy = cloneJson(message);
  const [outer, inner] = path.split('.') as [string, string | undefined];
  const target = inner === undefined ? copy : (copy[outer] as Record<string, unknown>);
  const key = inner ?? outer;
  if (value === undefined) delete target[key];
  else target[key] = value;
  return utf8(JSON.stringify(copy));
}

describe('parseControl', () => {
  it('round-trips every message type through a control frame', () => {
    fc.assert(
      fc.property(controlMessage, (message) => {
        expect(parseControl(encodeControl(message))).toEqual(message);
        expect(new FrameDecoder().push(encodeFrame({ type: 'control', message }))).toEqual([
          { type: 'control', message },
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it('on arbitrary bytes, strings and JSON returns a well-formed message or throws WireError', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }).map(utf8),
      fc.jsonValue().map((value) => utf8(JSON.stringify(value))),
      // Valid messages with one field swapped for random JSON, to get past the type switch.
      fc.tuple(controlMessage, fc.nat(), fc.jsonValue()).map(([message, pick, value]) => {
        const fields = requiredFields(message);
        return fields.length === 0
          ? encodeControl(message)
          : withField(message, fields[pick % fields.length]!, value);
      }),
    );
    fc.assert(
      fc.property(input, (bytes) => {
        const result = decodeOrWireError(() => parseControl(bytes));
        if (result instanceof WireError) return;
        // Whatever was accepted is itself a valid message: re-sending it gives the same message.
        expect(parseControl(encodeControl(result))).toEqual(result);
      }),
      { numRuns: 400 },
    );
  });

  it('rejects a message with any required field missing or replaced by an object', () => {
    fc.assert(
      fc.property(controlMessage, fc.nat(), (message, pick) => {
        const fields = requiredFields(message);
        if (fields.length === 0) return;
        const field = fields[pick % fields.length]!;
        expect(() => parseControl(withField(message, field, undefined))).toThrow(WireError);
        expect(() => parseControl(withField(message, field, { nested: 1 }))).toThrow(WireError);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects input over the size limit before parsing it', () => {
    const padded = (size: number) => {
      const json = utf8('{"t":"ok"}');
      const out = new Uint8Array(size).fill(0x20); // JSON whitespace
      out.set(json);
      return out;
    };
    expect(parseControl(padded(LIMITS.controlBytes))).toEqual({ t: 'ok' });
    expect(() => parseControl(padded(LIMITS.controlBytes + 1))).toThrow(WireError);
    expect(() => encodeControl({ t: 'error', message: 'x'.repeat(LIMITS.controlBytes) })).toThrow(
      RangeError,
    );
  });

  it('accepts fields at their limits and rejects one past them', () => {
    const at = (message: ControlMessage) => utf8(JSON.stringify(message));
    const long = (n: number) => 'p'.repeat(n);
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `peer${i}`);
    const origin: CandidateInfo = { id: 'o', addrs: [], depth: 0, freeSlots: 1 };
    const emptyOffer: ControlMessage = {
      t: 'candidates',
      stream: 's',
      publicKey: 'k',
      httpBase: 'h',
      origin,
      candidates: [],
    };
    const join: ControlMessage = {
      t: 'join',
      stream: 's',
      kind: 'relay',
      maxChildren: 1,
      exclude: [],
    };
    const cases: [ControlMessage, ControlMessage][] = [
      [
        { t: 'rtc-answer', sdp: long(LIMITS.sdpChars) },
        { t: 'rtc-answer', sdp: long(LIMITS.sdpChars + 1) },
      ],
      [
        { t: 'rtc-offer', peer: long(128), sdp: '' },
        { t: 'rtc-offer', peer: long(129), sdp: '' },
      ],
      [
        { t: 'attach', stream: long(64), kind: 'relay', after: 0xffffffff },
        { t: 'attach', stream: long(65), kind: 'relay', after: 0xffffffff },
      ],
      [
        { t: 'attach', stream: 's', kind: 'relay', after: 0xffffffff },
        { t: 'attach', stream: 's', kind: 'relay', after: 0x100000000 },
      ],
      [
        { t: 'path', depth: 1, path: ids(LIMITS.maxPathLength) },
        { t: 'path', depth: 1, path: ids(LIMITS.maxPathLength + 1) },
      ],
      [
        { t: 'path', depth: 1000, path: [long(128)] },
        { t: 'path', depth: 1000, path: [long(129)] },
      ],
      [
        { t: 'path', depth: 1, path: [] },
        { t: 'path', depth: 0, path: [] },
      ],
      [
        { t: 'join', stream: 's', kind: 'browser', maxChildren: 1000, exclude: [] },
        { t: 'join', stream: 's', kind: 'browser', maxChildren: 1001, exclude: [] },
      ],
      [
        {
          t: 'candidates',
          stream: 's',
          publicKey: 'k',
          httpBase: 'h',
          origin,
          candidates: Array.from({ length: 16 }, () => origin),
        },
        {
          t: 'candidates',
          stream: 's',
          publicKey: 'k',
          httpBase: 'h',
          origin,
          candidates: Array.from({ length: 17 }, () => origin),
        },
      ],
      [
        {
          t: 'candidates',
          stream: 's',
          publicKey: 'k',
          httpBase: 'h',
          origin: { ...origin, addrs: [long(512)] },
          candidates: [],
        },
        {
          t: 'candidates',
          stream: 's',
          publicKey: 'k',
          httpBase: 'h',
          origin: { ...origin, addrs: [long(513)] },
          candidates: [],
        },
      ],
      [
        { t: 'get', kind: 'init', id: 1 },
        { t: 'get', kind: 'init', id: 1.5 },
      ],
      [1000, 0].map((depthBudget): ControlMessage => ({ ...emptyOffer, depthBudget })) as [
        ControlMessage,
        ControlMessage,
      ],
      [
        { ...join, coord: { x: -MAX_COORDINATE_MS, y: MAX_COORDINATE_MS, h: 0, e: 1 } },
        { ...join, coord: { x: -MAX_COORDINATE_MS - 1, y: 0, h: 0, e: 1 } },
      ],
      [
        { ...join, coord: { x: 0, y: 0, h: MAX_COORDINATE_MS, e: 0 } },
        { ...join, coord: { x: 0, y: 0, h: -0.1, e: 0 } },
      ],
      [
        { ...join, coord: { x: 0, y: 0, h: 0, e: 1 }, refresh: true },
        { ...join, coord: { x: 0, y: 0, h: 0, e: 1.01 }, refresh: true },
      ],
      [
        {
          t: 'candidates',
          stream: 's',
          publicKey: 'k',
          httpBase: 'h',
          origin: { ...origin, coord: { x: 1, y: 2, h: 3, e: 0.5 } },
          candidates: [],
        },
        {
          t: 'candidates',
          stream: 's',
          publicKey: 'k',
          httpBase: 'h',
          origin: { ...origin, coord: { x: 1, y: 2, h: 3 } as Coordinate },
          candidates: [],
        },
      ],
      [
        { t: 'error', message: long(512) },
        { t: 'error', message: long(513) },
      ],
    ];
    for (const [ok, bad] of cases) {
      expect(parseControl(at(ok))).toEqual(ok);
      expect(() => parseControl(at(bad))).toThrow(WireError);
    }
  });

  it('rejects a malformed optional coordinate or refresh mark, and drops refresh: false', () => {
    const join = { t: 'join', stream: 's', kind: 'relay', maxChildren: 1, exclude: [] };
    for (const bad of [
      { ...join, coord: null },
      { ...join, coord: [1, 2, 3, 0.5] },
      { ...join, coord: { x: '1', y: 0, h: 0, e: 0 } },
      { ...join, coord: { x: Number.MAX_VALUE, y: 0, h: 0, e: 0 } },
      { ...join, refresh: 'yes' },
      { ...join, refresh: 1 },
    ])
      expect(() => parseControl(utf8(JSON.stringify(bad)))).toThrow(WireError);
    expect(parseControl(utf8(JSON.stringify({ ...join, refresh: false })))).toEqual(join);
  });

  it('rejects invalid UTF-8 and non-object JSON', () => {
    expect(() => parseControl(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(WireError);
    for (const json of ['null', '[]', '"ok"', '1', '{"t":"nope"}', '{"t":"ok"'])
      expect(() => parseControl(utf8(json))).toThrow(WireError);
  });
});
