import { describe, expect, it } from 'vitest';
import { SegmentSource } from '../../src/swarm/segment-source.js';
import { SegmentStore } from '../../src/swarm/segment-store.js';

const segment = (sequence: number, fromOrigin?: boolean) => ({
  sequence,
  duration: 1,
  bytes: new Uint8Array([sequence]),
  initId: 0,
  discontinuity: false,
  discontinuitySequence: 0,
  startedAt: 0,
  ...(fromOrigin === undefined ? {} : { fromOrigin }),
});

describe('the swarm source tells where served bytes came from', () => {
  it('marks segments the origin sent, whether held already or arriving while asked', async () => {
    const store = new SegmentStore(10);
    const source = new SegmentSource(store);
    store.put(segment(1, true));
    store.put(segment(2, false));
    expect((await source.get({ kind: 'media', id: 1 }, 0))?.fromOrigin).toBe(true);
    expect((await source.get({ kind: 'media', id: 2 }, 0))?.fromOrigin).toBe(false);
    const waiting = source.get({ kind: 'media', id: 3 }, 1_000);
    store.put(segment(3, true));
    expect(await waiting).toEqual({ bytes: new Uint8Array([3]), fromOrigin: true });
    expect(source.servedBytes).toBe(3);
  });
});
