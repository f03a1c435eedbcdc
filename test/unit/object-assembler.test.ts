/**
 * The assembler is where a peer decides whether bytes from another peer are the origin's: only a
 * signed announcement opens an object, only in-order bytes up to its length are taken, and only
 * bytes matching its SHA-256 are delivered.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/seeder/stream-key.js';
import {
  signAnnouncement,
  type Announcement,
  type ObjectKind,
  type UnsignedAnnouncement,
} from '../../src/swarm/announcement.js';
import type { Frame } from '../../src/swarm/frames.js';
import {
  ObjectAssembler,
  ProtocolViolation,
  type VerifiedObject,
} from '../../src/swarm/object-assembler.js';

const STREAM = 'main';
const key = generateKeyPair();
const stranger = generateKeyPair();

const payload = (length: number, salt = 0) =>
  Uint8Array.from({ length }, (_, i) => (i * 7 + salt) % 256);

function unsigned(kind: ObjectKind, id: number, bytes: Uint8Array): UnsignedAnnouncement {
  return {
    streamId: STREAM,
    kind,
    id,
    initId: kind === 'init' ? id : 0,
    durationMs: 2000,
    discontinuity: false,
    discontinuitySequence: 0,
    startedAt: 1_700_000_000_000,
    publishedAt: 1_700_000_002_000,
    byteLength: bytes.length,
    sha256: sha256(bytes),
  };
}

const announce = (announcement: Announcement): Frame => ({ type: 'announce', announcement });
const signed = (kind: ObjectKind, id: number, bytes: Uint8Array, secretKey = key.secretKey) =>
  announce(signAnnouncement(unsigned(kind, id, bytes), secretKey));

/** The object's bytes as chunk frames of at most `size` bytes, in order. */
function chunks(kind: ObjectKind, id: number, bytes: Uint8Array, size: number): Frame[] {
  const frames: Frame[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) {
    frames.push({ type: 'chunk', kind, id, offset, data: bytes.slice(offset, offset + size) });
  }
  return frames;
}

function setup(held: (kind: ObjectKind, id: number) => boolean = () => false) {
  const announced: Announcement[] = [];
  const forwarded: { id: number; offset: number; data: Uint8Array }[] = [];
  const verified: VerifiedObject[] = [];
  const aborted: [ObjectKind, number][] = [];
  const assembler = new ObjectAssembler(key.publicKey, STREAM, {
    onAnnounce: (announcement) => announced.push(announcement),
    onChunk: (announcement, offset, data) => forwarded.push({ id: announcement.id, offset, data }),
    onVerified: (object) => verified.push(object),
    onAbort: (kind, id) => aborted.push([kind, id]),
    has: held,
  });
  const feed = async (frames: Frame[]) => {
    for (const frame of frames) await assembler.handle(frame);
  };
  return { assembler, feed, announced, forwarded, verified, aborted };
}

/** The ProtocolViolation `run` throws (failing the test if it throws nothing or something else). */
async function violation(run: () => Promise<void>): Promise<ProtocolViolation> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolViolation);
    return error as ProtocolViolation;
  }
  throw new Error('expected a ProtocolViolation');
}

describe('ObjectAssembler', () => {
  it('delivers a valid object sent in several chunks, forwarding all but the last at once', async () => {
    const { feed, announced, forwarded, verified, assembler } = setup();
    const bytes = payload(2500);
    await feed([signed('media', 7, bytes)]);
    expect(announced.map((a) => a.id)).toEqual([7]);
    expect(assembler.inFlight).toBe(1);

    const parts = chunks('media', 7, bytes, 1000);
    await feed(parts.slice(0, 2));
    // Cut-through: the first two chunks go downstream before the object is complete.
    expect(forwarded.map(({ offset, data }) => [offset, data.length])).toEqual([
      [0, 1000],
      [1000, 1000],
    ]);
    expect(verified).toHaveLength(0);

    await feed(parts.slice(2));
    // The last chunk is not forwarded as a chunk: it only counts with the verified whole.
    expect(forwarded).toHaveLength(2);
    expect(verified).toHaveLength(1);
    expect(verified[0]!.announcement.id).toBe(7);
    expect(Buffer.from(verified[0]!.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(assembler.inFlight).toBe(0);
  });

  it('delivers an init segment and a single-chunk object', async () => {
    const { feed, forwarded, verified } = setup();
    const init = payload(300, 1);
    await feed([signed('init', 2, init), ...chunks('init', 2, init, 1000)]);
    expect(forwarded).toHaveLength(0);
    expect(verified.map((v) => [v.announcement.kind, v.announcement.id])).toEqual([['init', 2]]);
  });

  it('refuses an announcement signed by another key', async () => {
    const { assembler, announced } = setup();
    const bytes = payload(100);
    const error = await violation(() =>
      assembler.handle(signed('media', 1, bytes, stranger.secretKey)),
    );
    expect(error.message).toMatch(/signature/);
    expect(announced).toHaveLength(0);
    expect(assembler.inFlight).toBe(0);
  });

  it('refuses an announcement with any field changed after signing', async () => {
    const bytes = payload(100);
    const good = signAnnouncement(unsigned('media', 1, bytes), key.secretKey);
    const forgeries: Announcement[] = [
      { ...good, id: 2 },
      { ...good, byteLength: 101 },
      { ...good, sha256: sha256(payload(100, 9)) },
      { ...good, discontinuity: true },
      { ...good, publishedAt: good.publishedAt + 1 },
      { ...good, kind: 'init', initId: 1 },
    ];
    for (const forged of forgeries) {
      const { assembler, announced } = setup();
      await violation(() => assembler.handle(announce(forged)));
      expect(announced).toHaveLength(0);
    }
  });

  it('refuses an announcement for another stream, even when properly signed', async () => {
    const { assembler } = setup();
    const other = signAnnouncement(
      { ...unsigned('media', 1, payload(10)), streamId: 'other' },
      key.secretKey,
    );
    expect((await violation(() => assembler.handle(announce(other)))).message).toMatch(
      /another stream/,
    );
  });

  it('refuses an init announcement whose id and init id differ', async () => {
    const { assembler } = setup();
    const mismatched = signAnnouncement(
      { ...unsigned('init', 3, payload(10)), initId: 2 },
      key.secretKey,
    );
    await violation(() => assembler.handle(announce(mismatched)));
  });

  it('refuses a chunk for an object that was not announced', async () => {
    const { assembler, feed } = setup();
    await violation(() =>
      assembler.handle({
        type: 'chunk',
        kind: 'media',
        id: 1,
        offset: 0,
        data: payload(10),
      }),
    );
    // The same id of the other kind is a different object.
    await feed([signed('media', 1, payload(10))]);
    await violation(() =>
      assembler.handle({
        type: 'chunk',
        kind: 'init',
        id: 1,
        offset: 0,
        data: payload(10),
      }),
    );
  });

  it('refuses the same object announced twice while in flight', async () => {
    const { assembler, feed } = setup();
    await feed([signed('media', 1, payload(10))]);
    await violation(() => assembler.handle(signed('media', 1, payload(10))));
  });

  it('refuses chunks out of order: a gap or a repeated offset', async () => {
    const bytes = payload(300);
    const [first, second] = chunks('media', 1, bytes, 100);
    {
      const { assembler, feed } = setup();
      await feed([signed('media', 1, bytes)]);
      expect((await violation(() => assembler.handle(second!))).message).toMatch(/order/);
    }
    {
      const { assembler, feed } = setup();
      await feed([signed('media', 1, bytes), first!]);
      await violation(() => assembler.handle(first!));
    }
  });

  it('refuses more bytes than announced, within a chunk or after the object is complete', async () => {
    const bytes = payload(100);
    {
      const { assembler, feed, verified } = setup();
      await feed([
        signed('media', 1, bytes),
        { type: 'chunk', kind: 'media', id: 1, offset: 0, data: payload(60) },
      ]);
      const error = await violation(() =>
        assembler.handle({
          type: 'chunk',
          kind: 'media',
          id: 1,
          offset: 60,
          data: payload(41),
        }),
      );
      expect(error.corrupt).toBe(true);
      expect(verified).toHaveLength(0);
    }
    {
      // A sender that keeps streaming after the announced end gets no further than one chunk.
      const { assembler, feed, verified } = setup();
      await feed([signed('media', 1, bytes), ...chunks('media', 1, bytes, 50)]);
      expect(verified).toHaveLength(1);
      await violation(() =>
        assembler.handle({
          type: 'chunk',
          kind: 'media',
          id: 1,
          offset: 100,
          data: payload(50),
        }),
      );
    }
  });

  it('refuses bytes that do not match the signed SHA-256 and delivers nothing', async () => {
    const { assembler, feed, verified } = setup();
    const bytes = payload(250);
    const tampered = bytes.slice();
    tampered[200] = tampered[200]! ^ 1;
    const parts = chunks('media', 1, tampered, 100);
    await feed([signed('media', 1, bytes), ...parts.slice(0, -1)]);
    const error = await violation(() => assembler.handle(parts.at(-1)!));
    expect(error.corrupt).toBe(true);
    expect(verified).toHaveLength(0);
    expect(assembler.inFlight).toBe(0);
  });

  it('drops a pending object on abort and reports it; the object can then be sent again', async () => {
    const { assembler, feed, aborted, verified } = setup();
    const bytes = payload(300);
    const parts = chunks('media', 4, bytes, 100);
    await feed([signed('media', 4, bytes), parts[0]!, { type: 'abort', kind: 'media', id: 4 }]);
    expect(aborted).toEqual([['media', 4]]);
    expect(assembler.inFlight).toBe(0);
    await violation(() => assembler.handle(parts[1]!));

    await feed([signed('media', 4, bytes), ...parts]);
    expect(verified.map((v) => v.announcement.id)).toEqual([4]);
  });

  it('ignores an abort for an object that is not in flight', async () => {
    const { assembler, aborted } = setup();
    await assembler.handle({ type: 'abort', kind: 'init', id: 9 });
    expect(aborted).toHaveLength(0);
  });

  it('refuses a fifth object in flight, and takes a new one once one completes', async () => {
    const { assembler, feed } = setup();
    const bytes = payload(20);
    await feed([1, 2, 3, 4].map((id) => signed('media', id, bytes)));
    expect(assembler.inFlight).toBe(4);
    expect((await violation(() => assembler.handle(signed('media', 5, bytes)))).message).toMatch(
      /too many/,
    );

    await feed(chunks('media', 1, bytes, 20));
    await feed([signed('media', 5, bytes)]);
    expect(assembler.inFlight).toBe(4);
  });

  it('reads an object it already holds without announcing, forwarding or delivering it again', async () => {
    const { assembler, feed, announced, forwarded, verified } = setup(
      (kind, id) => kind === 'media' && id === 3,
    );
    const bytes = payload(250);
    await feed([signed('media', 3, bytes), ...chunks('media', 3, bytes, 100)]);
    expect(announced).toHaveLength(0);
    expect(forwarded).toHaveLength(0);
    expect(verified).toHaveLength(0);
    expect(assembler.inFlight).toBe(0);
    // Still read under the same rules: its chunks must stay in order.
    await feed([signed('media', 3, bytes)]);
    await violation(() => assembler.handle(chunks('media', 3, bytes, 100)[1]!));
  });

  it('refuses control messages on a data stream', async () => {
    const { assembler } = setup();
    await violation(() => assembler.handle({ type: 'control', message: { t: 'ok' } }));
  });
});
