/**
 * The RTMP ingest gate against hand-built chunk streams: the pure inspector first (framing,
 * checks, limits, fuzz), then the socket proxy in front of a fake upstream that records bytes.
 */
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  REFUSAL,
  RtmpPublishInspector,
  startRtmpGate,
  type InspectVerdict,
  type RtmpGateOptions,
} from '../../src/seeder/rtmp-gate.js';
import { decodeAmf0 } from '../../src/seeder/amf0.js';

// ---- A tiny RTMP client-side encoder, just enough to speak to the gate. ----

type AmfInput = string | number | boolean | null | { [key: string]: AmfInput };

function amf(value: AmfInput): Buffer {
  if (value === null) return Buffer.from([0x05]);
  if (typeof value === 'number') {
    const out = Buffer.alloc(9);
    out.writeDoubleBE(value, 1);
    return out;
  }
  if (typeof value === 'boolean') return Buffer.from([0x01, value ? 1 : 0]);
  if (typeof value === 'string') return Buffer.concat([Buffer.from([0x02]), amfKey(value)]);
  const parts: Buffer[] = [Buffer.from([0x03])];
  for (const [key, item] of Object.entries(value)) parts.push(amfKey(key), amf(item));
  parts.push(Buffer.from([0, 0, 0x09]));
  return Buffer.concat(parts);
}

function amfKey(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function command(...values: AmfInput[]): Buffer {
  return Buffer.concat(values.map(amf));
}

interface MessageSpec {
  type: number;
  payload: Buffer;
  csid?: number;
  timestamp?: number;
  streamId?: number;
  /** Chunk size the sender believes is in force. */
  chunkSize?: number;
}

function basicHeader(fmt: number, csid: number): Buffer {
  if (csid < 64) return Buffer.from([(fmt << 6) | csid]);
  if (csid < 320) return Buffer.from([fmt << 6, csid - 64]);
  return Buffer.from([(fmt << 6) | 1, (csid - 64) & 0xff, (csid - 64) >> 8]);
}

/** One message as a type-0 chunk followed by type-3 continuation chunks. */
function encodeChunks(spec: MessageSpec): Buffer[] {
  const csid = spec.csid ?? 3;
  const chunkSize = spec.chunkSize ?? 128;
  const timestamp = spec.timestamp ?? 0;
  const extended = timestamp >= 0xffffff;
  const extendedField = Buffer.alloc(extended ? 4 : 0);
  if (extended) extendedField.writeUInt32BE(timestamp);
  const header = Buffer.alloc(11);
  header.writeUIntBE(extended ? 0xffffff : timestamp, 0, 3);
  header.writeUIntBE(spec.payload.length, 3, 3);
  header.writeUInt8(spec.type, 6);
  header.writeUInt32LE(spec.streamId ?? 0, 7);
  const chunks: Buffer[] = [];
  let offset = 0;
  do {
    const body = spec.payload.subarray(offset, offset + chunkSize);
    const head =
      offset === 0
        ? Buffer.concat([basicHeader(0, csid), header, extendedField])
        : Buffer.concat([basicHeader(3, csid), extendedField]);
    chunks.push(Buffer.concat([head, body]));
    offset += chunkSize;
  } while (offset < spec.payload.length);
  return chunks;
}

function encode(spec: MessageSpec): Buffer {
  return Buffer.concat(encodeChunks(spec));
}

function handshake(): Buffer {
  const bytes = Buffer.alloc(1 + 1536 + 1536, 0x5a);
  bytes[0] = 3;
  return bytes;
}

const APP = 'live';
const KEY = 'sk_3f9a-good-key';

function setChunkSize(size: number, chunkSize = 128): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(size);
  return encode({ type: 1, csid: 2, payload, chunkSize });
}

function connectMessage(app: string, chunkSize = 128, extra: Record<string, string> = {}): Buffer {
  const object = { app, type: 'nonprivate', tcUrl: `rtmp://127.0.0.1/${app}`, ...extra };
  return encode({ type: 20, payload: command('connect', 1, object), chunkSize });
}

function publishMessage(name: string, chunkSize = 128, csid = 4): Buffer {
  const payload = command('publish', 5, null, name, 'live');
  return encode({ type: 20, csid, streamId: 1, payload, chunkSize });
}

/**
 * What OBS sends up to and including publish, with `fcPublishAt` and `publishAt` marking where
 * those two commands start.
 */
function publisherStream(
  app = APP,
  key = KEY,
  fcKey = key,
): { bytes: Buffer; fcPublishAt: number; publishAt: number } {
  const beforeFc = Buffer.concat([
    handshake(),
    connectMessage(app),
    encode({ type: 20, payload: command('releaseStream', 2, null, key) }),
  ]);
  const before = Buffer.concat([
    beforeFc,
    encode({ type: 20, payload: command('FCPublish', 3, null, fcKey) }),
    encode({ type: 20, payload: command('createStream', 4, null) }),
  ]);
  return {
    bytes: Buffer.concat([before, publishMessage(key)]),
    fcPublishAt: beforeFc.length,
    publishAt: before.length,
  };
}

function feed(inspector: RtmpPublishInspector, pieces: Buffer[]) {
  let forwarded = 0;
  let verdict: InspectVerdict | undefined;
  for (const piece of pieces) {
    verdict = inspector.push(piece);
    if (verdict.action === 'refuse') break;
    forwarded += verdict.bytes.length;
    if (verdict.action === 'accept') break;
  }
  return { forwarded, verdict };
}

function bytewise(bytes: Buffer): Buffer[] {
  return Array.from(bytes, (byte) => Buffer.from([byte]));
}

// ---- The inspector ----

describe('RtmpPublishInspector', () => {
  it('accepts a valid publish and releases every byte', () => {
    const { bytes } = publisherStream();
    const inspector = new RtmpPublishInspector(APP, KEY);
    const verdict = inspector.push(bytes);
    expect(verdict).toEqual({ action: 'accept', bytes });
    expect(inspector.state).toBe('accepted');
    // After publish it is a plain pipe.
    const media = Buffer.from('anything at all');
    expect(inspector.push(media)).toEqual({ action: 'forward', bytes: media });
  });

  it('holds the publish back until its last byte has been checked', () => {
    const { bytes, publishAt } = publisherStream();
    const inspector = new RtmpPublishInspector(APP, KEY);
    let forwarded = 0;
    for (let i = 0; i < bytes.length; i++) {
      const verdict = inspector.push(bytes.subarray(i, i + 1));
      if (i < bytes.length - 1) {
        expect(verdict.action).toBe('forward');
        if (verdict.action === 'forward') forwarded += verdict.bytes.length;
        expect(forwarded).toBeLessThanOrEqual(publishAt);
      } else {
        expect(verdict.action).toBe('accept');
        if (verdict.action === 'accept') forwarded += verdict.bytes.length;
      }
    }
    expect(forwarded).toBe(bytes.length);
  });

  it('forwards data that follows the publish in the same read', () => {
    const { bytes } = publisherStream();
    const tail = encode({ type: 9, csid: 6, streamId: 1, payload: Buffer.alloc(300, 7) });
    const verdict = new RtmpPublishInspector(APP, KEY).push(Buffer.concat([bytes, tail]));
    expect(verdict.action).toBe('accept');
    if (verdict.action === 'accept') expect(verdict.bytes.length).toBe(bytes.length + tail.length);
  });

  it('refuses a wrong key without releasing the FCPublish or publish', () => {
    const { bytes, fcPublishAt } = publisherStream(APP, 'guessed');
    const { forwarded, verdict } = feed(new RtmpPublishInspector(APP, KEY), bytewise(bytes));
    expect(verdict).toEqual({ action: 'refuse', reason: REFUSAL.wrongKey });
    expect(forwarded).toBeLessThanOrEqual(fcPublishAt);
  });

  it('checks the key on FCPublish too, since ffmpeg starts receiving on it', () => {
    const wrongFc = publisherStream(APP, KEY, 'guessed');
    const first = feed(new RtmpPublishInspector(APP, KEY), bytewise(wrongFc.bytes));
    expect(first.verdict).toEqual({ action: 'refuse', reason: REFUSAL.wrongKey });
    expect(first.forwarded).toBeLessThanOrEqual(wrongFc.fcPublishAt);

    const wrongPublish = publisherStream(APP, 'guessed', KEY);
    const second = feed(new RtmpPublishInspector(APP, KEY), bytewise(wrongPublish.bytes));
    expect(second.verdict).toEqual({ action: 'refuse', reason: REFUSAL.wrongKey });
    expect(second.forwarded).toBeLessThanOrEqual(wrongPublish.publishAt);
  });

  it('refuses a key that only shares a prefix, and a missing name', () => {
    for (const name of [`${KEY}x`, KEY.slice(0, -1), '']) {
      const { bytes } = publisherStream(APP, name);
      expect(new RtmpPublishInspector(APP, KEY).push(bytes)).toEqual({
        action: 'refuse',
        reason: REFUSAL.wrongKey,
      });
    }
    const noName = Buffer.concat([
      handshake(),
      connectMessage(APP),
      encode({ type: 20, payload: command('publish', 5, null, 42) }),
    ]);
    expect(new RtmpPublishInspector(APP, KEY).push(noName)).toEqual({
      action: 'refuse',
      reason: REFUSAL.wrongKey,
    });
  });

  it('ignores a query string after the key', () => {
    const { bytes } = publisherStream(APP, `${KEY}?token=abc`);
    expect(new RtmpPublishInspector(APP, KEY).push(bytes).action).toBe('accept');
  });

  it('refuses a wrong app before forwarding the connect', () => {
    const { bytes } = publisherStream('other', KEY);
    const { forwarded, verdict } = feed(new RtmpPublishInspector(APP, KEY), [bytes]);
    expect(verdict).toEqual({ action: 'refuse', reason: REFUSAL.wrongApp });
    expect(forwarded).toBe(0);
    const noApp = Buffer.concat([
      handshake(),
      encode({ type: 20, payload: command('connect', 1, { tcUrl: 'x' }) }),
    ]);
    expect(new RtmpPublishInspector(APP, KEY).push(noApp)).toEqual({
      action: 'refuse',
      reason: REFUSAL.wrongApp,
    });
  });

  it('tolerates a trailing slash on the app', () => {
    const { bytes } = publisherStream('live/', KEY);
    expect(new RtmpPublishInspector(APP, KEY).push(bytes).action).toBe('accept');
    expect(new RtmpPublishInspector('live/', KEY).push(publisherStream().bytes).action).toBe(
      'accept',
    );
  });

  it('honours chunk size changes, large and small', () => {
    const longUrl = 'x'.repeat(600); // the connect no longer fits one 128-byte chunk
    for (const size of [4096, 1, 7, 128]) {
      const bytes = Buffer.concat([
        handshake(),
        setChunkSize(size),
        connectMessage(APP, size, { swfUrl: longUrl }),
        publishMessage(KEY, size),
      ]);
      expect(new RtmpPublishInspector(APP, KEY).push(bytes).action).toBe('accept');
      const { verdict } = feed(new RtmpPublishInspector(APP, KEY), bytewise(bytes));
      expect(verdict?.action).toBe('accept');
    }
  });

  it('misreads nothing when the chunk size was not announced', () => {
    // A 4096-byte chunk without Set Chunk Size: the gate must read it as 128-byte chunks, as
    // ffmpeg does, and so fail on the bytes where a continuation header should be.
    const bytes = Buffer.concat([
      handshake(),
      connectMessage(APP, 4096, { swfUrl: 'y'.repeat(600) }),
      publishMessage(KEY),
    ]);
    const verdict = new RtmpPublishInspector(APP, KEY).push(bytes);
    expect(verdict.action).toBe('refuse');
  });

  it('reads long chunk stream ids, extended timestamps and interleaved messages', () => {
    const connect = encodeChunks({
      type: 20,
      csid: 70,
      timestamp: 0x1000000,
      payload: command('connect', 1, { app: APP, swfUrl: 'z'.repeat(300) }),
    });
    const create = encodeChunks({
      type: 20,
      csid: 400,
      payload: command('createStream', 2, null, 'w'.repeat(200)),
    });
    // Interleave the two messages chunk by chunk.
    const interleaved: Buffer[] = [];
    for (let i = 0; i < Math.max(connect.length, create.length); i++) {
      if (connect[i]) interleaved.push(connect[i]!);
      if (create[i]) interleaved.push(create[i]!);
    }
    const bytes = Buffer.concat([handshake(), ...interleaved, publishMessage(KEY, 128, 320)]);
    expect(new RtmpPublishInspector(APP, KEY).push(bytes).action).toBe('accept');
  });

  it('refuses media, play and a publish before connect', () => {
    const cases = [
      Buffer.concat([
        handshake(),
        connectMessage(APP),
        encode({ type: 9, payload: Buffer.alloc(9) }),
      ]),
      Buffer.concat([
        handshake(),
        connectMessage(APP),
        encode({ type: 20, payload: command('play', 2, null, KEY) }),
      ]),
      Buffer.concat([handshake(), publishMessage(KEY)]),
      Buffer.concat([handshake(), connectMessage(APP), connectMessage(APP), publishMessage(KEY)]),
    ];
    for (const bytes of cases) {
      const verdict = new RtmpPublishInspector(APP, KEY).push(bytes);
      expect(verdict.action).toBe('refuse');
      if (verdict.action === 'refuse') expect(verdict.reason).toMatch(/^malformed RTMP: /);
    }
  });

  it('refuses an oversized message from its header, before its payload arrives', () => {
    const header = encode({ type: 20, payload: Buffer.alloc(2 * 1024 * 1024) }).subarray(0, 12);
    const verdict = new RtmpPublishInspector(APP, KEY).push(Buffer.concat([handshake(), header]));
    expect(verdict).toEqual({
      action: 'refuse',
      reason: 'malformed RTMP: message too large before publish',
    });
  });

  it('bounds what it buffers', () => {
    // First chunks of messages on different chunk streams, each message within the cap: the
    // partly reassembled payloads add up until the buffer limit refuses the client.
    const inspector = new RtmpPublishInspector(APP, KEY);
    inspector.push(Buffer.concat([handshake(), setChunkSize(20_000)]));
    let verdict: InspectVerdict | undefined;
    let csid = 3;
    for (; csid < 20 && verdict?.action !== 'refuse'; csid++) {
      const payload = Buffer.alloc(50_000);
      const [first] = encodeChunks({ type: 20, csid, payload, chunkSize: 20_000 });
      verdict = inspector.push(first!);
      expect(inspector.buffered).toBeLessThanOrEqual(64 * 1024);
    }
    expect(csid).toBe(7); // refused on the fourth 20 kB chunk
    expect(verdict).toEqual({
      action: 'refuse',
      reason: 'malformed RTMP: too much data before publish',
    });
  });

  it('bounds a chunk that never ends', () => {
    const inspector = new RtmpPublishInspector(APP, KEY);
    inspector.push(Buffer.concat([handshake(), setChunkSize(60_000)]));
    const chunk = encode({ type: 20, payload: Buffer.alloc(60_000), chunkSize: 60_000 });
    expect(inspector.push(chunk.subarray(0, 30_000)).action).toBe('forward');
    expect(inspector.buffered).toBe(30_000);
    expect(inspector.push(chunk.subarray(30_000, 60_000)).action).toBe('forward');
    // Still below the limit; nothing released yet because the chunk is incomplete.
    expect(inspector.push(Buffer.alloc(10_000)).action).toBe('refuse');
  });

  it('refuses garbage without throwing', () => {
    const samples = [
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.concat([handshake(), Buffer.from([0x43, 0xff, 0xff, 0xff])]), // type 3 on unknown csid
      Buffer.concat([handshake(), encode({ type: 20, payload: Buffer.from([0x11, 0x22]) })]),
      Buffer.concat([handshake(), encode({ type: 20, payload: Buffer.from([0x02, 0xff, 0xff]) })]),
      Buffer.concat([handshake(), setChunkSize(0)]),
      Buffer.concat([handshake(), setChunkSize(0x80000000)]),
      Buffer.concat([handshake(), encode({ type: 1, csid: 2, payload: Buffer.from([1]) })]),
    ];
    for (const bytes of samples) {
      const inspector = new RtmpPublishInspector(APP, KEY);
      const verdict = inspector.push(bytes);
      expect(verdict.action).toBe('refuse');
      if (verdict.action === 'refuse') expect(verdict.reason).toMatch(/^malformed RTMP/);
      // It stays refused.
      expect(inspector.push(publisherStream().bytes).action).toBe('refuse');
    }
  });

  it('fuzz: random bytes after the handshake never throw and stay bounded', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 512 }), { maxLength: 40 }),
        fc.boolean(),
        (pieces, afterConnect) => {
          const inspector = new RtmpPublishInspector(APP, KEY);
          const prefix = afterConnect
            ? Buffer.concat([handshake(), connectMessage(APP)])
            : handshake();
          expect(inspector.push(prefix).action).toBe('forward');
          for (const piece of pieces) {
            const verdict = inspector.push(Buffer.from(piece));
            expect(['forward', 'refuse']).toContain(verdict.action);
            expect(inspector.buffered).toBeLessThanOrEqual(64 * 1024);
            if (verdict.action === 'refuse') break;
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('fuzz: a mangled wrong-key publisher is never accepted', () => {
    const { bytes } = publisherStream(APP, 'not-the-key');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(fc.nat(bytes.length), { maxLength: 6 }),
        (edits, cuts) => {
          const mangled = Buffer.from(bytes);
          for (const [at, value] of edits) mangled[at] = value;
          const points = [0, ...cuts.sort((a, b) => a - b), mangled.length];
          const inspector = new RtmpPublishInspector(APP, KEY);
          for (let i = 1; i < points.length; i++) {
            const verdict = inspector.push(mangled.subarray(points[i - 1], points[i]));
            expect(verdict.action).not.toBe('accept');
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('decodeAmf0', () => {
  it('decodes the command types and keeps prototype keys inert', () => {
    const payload = Buffer.concat([
      command('connect', 1.5, true, null, { app: 'live', ['__proto__']: 'x' }),
      Buffer.from([0x06]),
    ]);
    const values = decodeAmf0(payload);
    expect(values.slice(0, 4)).toEqual(['connect', 1.5, true, null]);
    const object = values[4] as Record<string, unknown>;
    expect(object.app).toBe('live');
    expect(Object.getPrototypeOf(object)).toBeNull();
    expect(Object.keys(object)).toEqual(['app', '__proto__']);
    expect(values[5]).toBeUndefined();
    expect(values).toHaveLength(6);
    expect(decodeAmf0(payload, { maxValues: 1 })).toEqual(['connect']);
  });

  it('throws its own error on truncated or hostile data', () => {
    const deep = Buffer.concat([
      ...Array.from({ length: 40 }, () => Buffer.from([0x03, 0, 1, 0x61])),
      Buffer.from([0x05]),
    ]);
    for (const bad of [
      Buffer.from([0x02, 0x00, 0x05, 0x61]),
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x05]),
      Buffer.from([0x09]),
      Buffer.from([0x11]),
      deep,
    ]) {
      expect(() => decodeAmf0(bad)).toThrow(/AMF0|object end|array/);
    }
  });
});

// ---- The socket proxy ----

interface Upstream {
  port: number;
  received: () => Buffer;
  connections: () => number;
  send: (bytes: Buffer) => void;
  close: () => Promise<void>;
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function startUpstream(): Promise<Upstream> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('data', (data: Buffer) => chunks.push(data));
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    port,
    received: () => Buffer.concat(chunks),
    connections: () => connections,
    send: (bytes) => {
      for (const socket of sockets) socket.write(bytes);
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Client {
  socket: Socket;
  received: () => Buffer;
  closed: Promise<void>;
}

async function dial(port: number): Promise<Client> {
  const socket = connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  socket.on('data', (data: Buffer) => chunks.push(data));
  socket.on('error', () => {});
  // Not events.once: it rejects on 'error', and a reset is one of the outcomes under test.
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await once(socket, 'connect');
  return { socket, received: () => Buffer.concat(chunks), closed };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)),
  ]);
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('startRtmpGate', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(overrides: Partial<RtmpGateOptions> = {}) {
    const upstream = await startUpstream();
    cleanups.push(() => upstream.close());
    const refused: string[] = [];
    const accepted: string[] = [];
    const gate = await startRtmpGate({
      host: '127.0.0.1',
      port: 0,
      upstreamPort: upstream.port,
      app: APP,
      key: KEY,
      onRefused: (reason) => refused.push(reason),
      onAccepted: (remote) => accepted.push(remote),
      ...overrides,
    });
    cleanups.push(() => gate.close());
    const clients: Client[] = [];
    cleanups.push(() => clients.forEach((client) => client.socket.destroy()));
    const open = async () => {
      const client = await dial(gate.port);
      clients.push(client);
      return client;
    };
    return { upstream, gate, refused, accepted, open };
  }

  it('forwards a valid publisher both ways, then pipes untouched', async () => {
    const { upstream, accepted, refused, open } = await setup();
    const client = await open();
    const { bytes } = publisherStream();
    client.socket.write(bytes);
    await until(() => upstream.received().length === bytes.length);
    expect(upstream.received().equals(bytes)).toBe(true);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(refused).toEqual([]);
    const media = Buffer.alloc(200_000, 0xab); // not RTMP framing: nobody is looking any more
    client.socket.write(media);
    await until(() => upstream.received().length === bytes.length + media.length);
    upstream.send(Buffer.from('server says hi'));
    await until(() => client.received().toString() === 'server says hi');
  });

  it('refuses a wrong key and closes both sides', async () => {
    const { upstream, refused, accepted, open } = await setup();
    const client = await open();
    const { bytes, publishAt } = publisherStream(APP, 'wrong');
    client.socket.write(bytes);
    await within(client.closed, 3000, 'client close');
    expect(refused).toEqual([REFUSAL.wrongKey]);
    expect(accepted).toEqual([]);
    expect(upstream.received().length).toBeLessThanOrEqual(publishAt);
    expect(upstream.received().includes(Buffer.from('publish'))).toBe(false);
    expect(upstream.received().includes(Buffer.from('FCPublish'))).toBe(false);
  });

  it('refuses a wrong app', async () => {
    const { upstream, refused, open } = await setup();
    const client = await open();
    client.socket.write(publisherStream('vod', KEY).bytes);
    await within(client.closed, 3000, 'client close');
    expect(refused).toEqual([REFUSAL.wrongApp]);
    expect(upstream.received().includes(Buffer.from('connect'))).toBe(false);
  });

  it('refuses garbage and keeps serving', async () => {
    const { refused, open } = await setup();
    const bad = await open();
    bad.socket.write(Buffer.concat([handshake(), Buffer.alloc(5000, 0xff)]));
    await within(bad.closed, 3000, 'garbage client close');
    expect(refused[0]).toMatch(/^malformed RTMP/);
    await until(() => refused.length === 1);
    // The slot is free again for a real publisher.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const good = await open();
    good.socket.write(publisherStream().bytes);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(good.socket.destroyed).toBe(false);
    expect(refused).toHaveLength(1);
  });

  it('allows one publisher at a time', async () => {
    const { upstream, refused, open } = await setup();
    const first = await open();
    first.socket.write(publisherStream().bytes);
    await until(() => upstream.connections() === 1);
    const second = await open();
    await within(second.closed, 3000, 'second client close');
    expect(refused).toEqual([REFUSAL.alreadyLive]);
    expect(upstream.connections()).toBe(1);
    expect(first.socket.destroyed).toBe(false);
  });

  it("takes a publisher that reconnects while the last one's ffmpeg side is still open", async () => {
    const { upstream, refused, accepted, open } = await setup();
    const first = await open();
    first.socket.write(publisherStream().bytes);
    await until(() => accepted.length === 1);
    // The publisher drops (OBS after a network blip); ffmpeg has not closed its side yet.
    first.socket.destroy();
    await within(first.closed, 3000, 'first client close');
    const second = await open();
    second.socket.write(publisherStream().bytes);
    await until(() => accepted.length === 2);
    expect(refused).toEqual([]);
    expect(second.socket.destroyed).toBe(false);
    expect(upstream.connections()).toBeGreaterThanOrEqual(2);
  });

  it('closes the client when ffmpeg does not listen within the wait', async () => {
    const { upstream, refused, open } = await setup({ upstreamWaitMs: 300 });
    await upstream.close();
    const opened = Date.now();
    const client = await open();
    await within(client.closed, 3000, 'client close');
    expect(refused).toEqual([REFUSAL.upstreamDown]);
    // It waited for a listener that might have been restarting before giving up.
    expect(Date.now() - opened).toBeGreaterThanOrEqual(250);
  });

  it('gives up on a client that never publishes', async () => {
    const { refused, open } = await setup({ publishTimeoutMs: 200 });
    const client = await open();
    client.socket.write(Buffer.concat([handshake(), connectMessage(APP)]));
    await within(client.closed, 3000, 'client close');
    expect(refused).toEqual([REFUSAL.timeout]);
  });

  it('fuzz: random bytes after the handshake end in a closed connection', async () => {
    const { refused, open } = await setup({ publishTimeoutMs: 300 });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 3000 }), async (noise) => {
        const client = await open();
        client.socket.write(Buffer.concat([handshake(), Buffer.from(noise)]));
        await within(client.closed, 2000, 'fuzzed client close');
        // The gate releases the slot once both sides are gone.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }),
      { numRuns: 15 },
    );
    expect(refused.length).toBeGreaterThanOrEqual(15);
    expect(refused.every((reason) => reason !== REFUSAL.alreadyLive)).toBe(true);
  });

  it('close() ends the server and every connection', async () => {
    const { gate, open } = await setup();
    const client = await open();
    client.socket.write(publisherStream().bytes);
    await within(gate.close(), 3000, 'gate close');
    await within(client.closed, 3000, 'client close');
    await expect(dial(gate.port)).rejects.toThrow();
  });

  it('reports a port already in use', async () => {
    const { gate } = await setup();
    await expect(
      startRtmpGate({ host: '127.0.0.1', port: gate.port, upstreamPort: 1, app: APP, key: KEY }),
    ).rejects.toThrow(/already in use/);
  });
});
