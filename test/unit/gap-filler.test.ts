/** Gap filling with in-memory sources: the order of asking, and what counts as missed. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateKeyPair } from '../../src/seeder/stream-key.js';
import { LivePublisher } from '../../src/seeder/live-publisher.js';
import type { ObjectKind } from '../../src/swarm/announcement.js';
import { GapFiller, type FetchSource } from '../../src/swarm/gap-filler.js';
import { silentLogger } from '../../src/swarm/logger.js';
import {
  ProtocolViolation,
  toLiveSegment,
  type VerifiedObject,
} from '../../src/swarm/object-assembler.js';
import { SegmentStore } from '../../src/swarm/segment-store.js';

const key = generateKeyPair();

/** The origin's objects, to serve from fake sources. */
function originObjects(count: number): SegmentStore {
  const store = new SegmentStore(60);
  const publisher = new LivePublisher(store, 'main', key);
  publisher.beginRun(new Uint8Array(10).fill(9));
  for (let i = 0; i < count; i++) publisher.append(1, new Uint8Array(100).fill(i));
  return store;
}

function source(
  name: string,
  store: SegmentStore | undefined,
  log: string[],
  fail?: Error,
): FetchSource {
  return {
    name,
    peerId: name,
    fromOrigin: name === 'origin',
    fetch: (kind: ObjectKind, id: number): Promise<VerifiedObject | undefined> => {
      log.push(`${name}:${kind}:${id}`);
      if (fail) return Promise.reject(fail);
      const object = kind === 'media' ? store?.get(id) : store?.init(id);
      return Promise.resolve(
        object?.announcement
          ? { announcement: object.announcement, bytes: object.bytes }
          : undefined,
      );
    },
  };
}

afterEach(() => vi.useRealTimers());

describe('GapFiller', () => {
  it('fills a hole from the first source that has it, in order: parent, neighbours, origin', async () => {
    vi.useFakeTimers();
    const origin = originObjects(10);
    const local = new SegmentStore(30);
    const asked: string[] = [];
    const bad: string[] = [];
    const filler = new GapFiller({
      store: local,
      log: silentLogger,
      graceMs: 300,
      sources: () => [
        source('parent', undefined, asked),
        source('liar', undefined, asked, new ProtocolViolation('corrupt', true)),
        source('origin', origin, asked),
      ],
      deliver: (object, from) => {
        local.put(toLiveSegment(object));
        filler.noteSegment(object.announcement.id, object.announcement.initId);
        expect(from.name).toBe('origin');
      },
      onBadSource: (from) => bad.push(from.name),
    });
    local.putInit(origin.init(0)!);
    for (const sequence of [3, 4, 7]) {
      local.put(origin.get(sequence)!);
      filler.noteSegment(sequence, 0);
    }
    filler.start();
    expect(filler.pending).toBe(2); // 5 and 6
    await vi.advanceTimersByTimeAsync(200);
    expect(asked).toEqual([]); // still within the grace period: the parent usually sends them
    await vi.advanceTimersByTimeAsync(1_000);
    expect(local.sequences()).toEqual([3, 4, 5, 6, 7]);
    expect(asked.filter((entry) => entry.endsWith(':5'))).toEqual([
      'parent:media:5',
      'liar:media:5',
      'origin:media:5',
    ]);
    expect(bad).toContain('liar');
    expect(filler.missed).toBe(0);
    filler.stop();
  });

  it('counts a segment nobody has as missed after three rounds, and stops asking', async () => {
    vi.useFakeTimers();
    const origin = originObjects(10);
    const local = new SegmentStore(30);
    const asked: string[] = [];
    const filler = new GapFiller({
      store: local,
      log: silentLogger,
      graceMs: 100,
      sources: () => [source('parent', undefined, asked)],
      deliver: () => undefined,
      onBadSource: () => undefined,
    });
    local.putInit(origin.init(0)!);
    for (const sequence of [1, 3]) {
      local.put(origin.get(sequence)!);
      filler.noteSegment(sequence, 0);
    }
    filler.start();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(filler.missed).toBe(1);
    expect(filler.pending).toBe(0);
    expect(asked).toEqual(['parent:media:2', 'parent:media:2', 'parent:media:2']);
    filler.stop();
  });
});
