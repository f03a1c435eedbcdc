import { describe, expect, it } from 'vitest';
import {
  DEPTH_PENALTY_MS,
  LOCAL_RTT_MS,
  MOVE_MIN_GAIN_MS,
  nearerParent,
  settleWindow,
  rankCandidates,
  repairCandidates,
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

  it('ranks round trips under LOCAL_RTT_MS (one host, one LAN) by depth alone', () => {
    const ranked = rankCandidates([candidate('deep', 3, 0.2), candidate('shallow', 1, 2.5)]);
    expect(ranked.map((c) => c.id)).toEqual(['shallow', 'deep']);
    const far = rankCandidates([candidate('deep', 3, LOCAL_RTT_MS), candidate('up', 1, 40)]);
    expect(far.map((c) => c.id)).toEqual(['deep', 'up']);
  });

  it('moves only for a clear gain, at no greater depth', () => {
    const parent = { rttMs: 82, depth: 1 };
    for (const by of ['score', 'rtt'] as const) {
      expect(nearerParent(parent, [candidate('near', 1, 1)], by)?.id).toBe('near');
      expect(nearerParent(parent, [candidate('origin', 0, 2)], by)?.id).toBe('origin');
      // A level down never, however near: depth is the origin's to decide.
      expect(nearerParent(parent, [candidate('deeper', 2, 1)], by)).toBeUndefined();
      // Nearer, but not by enough to pay for a move.
      expect(nearerParent(parent, [candidate('a-bit', 1, 70)], by)).toBeUndefined();
      expect(nearerParent({ rttMs: 10, depth: 1 }, [candidate('local', 1, 0.5)], by)).toBe(
        undefined,
      );
    }
  });

  it("climbs a level for the join's score only, never for RTT alone", () => {
    // A late answer that would have won the join: one level up, at a little less RTT, whose
    // gain clears the bar only with the level counted.
    const parent = { rttMs: 6 + MOVE_MIN_GAIN_MS - DEPTH_PENALTY_MS / 2, depth: 2 };
    expect(nearerParent(parent, [candidate('up', 1, 6)], 'score')?.id).toBe('up');
    expect(nearerParent(parent, [candidate('up', 1, 6)], 'rtt')).toBeUndefined();
  });

  it("climbs into the coordinator's depth budget whatever the RTT, and only when below it", () => {
    const ranked = [candidate('deep-near', 5, 2), candidate('far-up', 2, 90)];
    // This peer sits at depth 7 (its parent at 6); the budget says 4.
    expect(nearerParent({ rttMs: 3, depth: 6 }, ranked, 'rtt', 4)?.id).toBe('far-up');
    // Within the budget: only a clear RTT gain moves it, as before.
    expect(nearerParent({ rttMs: 3, depth: 6 }, ranked, 'rtt', 8)).toBeUndefined();
    // Nothing offered within the budget: no climb.
    expect(nearerParent({ rttMs: 3, depth: 6 }, [ranked[0]!], 'rtt', 2)).toBeUndefined();
  });

  it('waits after the first answer in proportion to how long it took, longer when placing', () => {
    expect(settleWindow(10)).toBe(30);
    expect(settleWindow(120)).toBe(60);
    expect(settleWindow(2_000)).toBe(150);
    expect(settleWindow(100, true)).toBe(150);
    expect(settleWindow(1_000, true)).toBe(400);
  });

  it('cannot flap: after a move, the old parent is never clearly better', () => {
    for (const by of ['score', 'rtt'] as const) {
      const target = nearerParent({ rttMs: 82, depth: 1 }, [candidate('near', 1, 30)], by)!;
      expect(
        nearerParent({ rttMs: target.rttMs, depth: 1 }, [candidate('old', 1, 82)], by),
      ).toBeUndefined();
    }
  });

  it('repairs a subtree from stale backups only at its old depth or above, until it asks the origin', () => {
    const backups = [candidate('deeper', 4, 5), candidate('level', 2, 9), candidate('top', 0, 40)];
    const ids = (list: MeasuredCandidate[]) => list.map((c) => c.id);
    // This peer sat at depth 3 and feeds others: 'deeper' would put its subtree two levels down.
    expect(
      ids(repairCandidates(backups, { lostDepth: 3, hasChildren: true, askedOrigin: false })),
    ).toEqual(['level', 'top']);
    // A leaf takes any, and so does anyone once the origin has answered since the loss.
    expect(
      ids(repairCandidates(backups, { lostDepth: 3, hasChildren: false, askedOrigin: false })),
    ).toEqual(['deeper', 'level', 'top']);
    expect(
      ids(repairCandidates(backups, { lostDepth: 3, hasChildren: true, askedOrigin: true })),
    ).toEqual(['deeper', 'level', 'top']);
    // A first join (nothing lost) is not a repair.
    expect(
      ids(
        repairCandidates(backups, { lostDepth: undefined, hasChildren: true, askedOrigin: false }),
      ),
    ).toEqual(['deeper', 'level', 'top']);
  });
});
