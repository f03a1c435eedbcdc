import { describe, expect, it } from 'vitest';
import {
  DEPTH_PENALTY_MS,
  nearerParent,
  rankCandidates,
  type MeasuredCandidate,
} from '../../src/swarm/parent-choice.js';

const candidate = (id: string, depth: number, rttMs: number, freeSlots = 1): MeasuredCandidate => ({
  id,
  addrs: [],
  depth,
  freeSlots,
  rttMs,
});

describe('parent choice', () => {
  it('ranks by RTT plus a penalty per level, dropping the full and the silent', () => {
    const ranked = rankCandidates([
      candidate('deep-near', 2, 1),
      candidate('shallow-far', 1, 1 + DEPTH_PENALTY_MS + 5),
      candidate('full', 0, 0, 0),
      candidate('silent', 0, Infinity),
    ]);
    expect(ranked.map((c) => c.id)).toEqual(['deep-near', 'shallow-far']);
  });

  it("moves only for a clear gain by the join's own measure, at no greater depth", () => {
    const parent = { rttMs: 82, depth: 1 };
    expect(nearerParent(parent, [candidate('near', 1, 1)])?.id).toBe('near');
    expect(nearerParent(parent, [candidate('origin', 0, 2)])?.id).toBe('origin');
    // A level up at the same RTT is worth a move; a level down never is, however near.
    expect(nearerParent({ rttMs: 22, depth: 2 }, [candidate('up', 1, 4)])?.id).toBe('up');
    expect(nearerParent(parent, [candidate('deeper', 2, 1)])).toBeUndefined();
    // Nearer, but not by enough to pay for a move.
    expect(nearerParent(parent, [candidate('a-bit', 1, 70)])).toBeUndefined();
    expect(nearerParent({ rttMs: 10, depth: 1 }, [candidate('local', 1, 0.5)])).toBeUndefined();
  });

  it('cannot flap: after a move, the old parent is never clearly better', () => {
    const parent = { rttMs: 82, depth: 1 };
    const target = nearerParent(parent, [candidate('near', 1, 30)])!;
    expect(
      nearerParent({ rttMs: target.rttMs, depth: 1 }, [candidate('old', 1, 82)]),
    ).toBeUndefined();
  });
});
