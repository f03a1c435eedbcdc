import { describe, expect, it } from 'vitest';
import { SwarmFreshness } from '../../src/player/swarm-freshness.js';

describe('swarm freshness', () => {
  it('is late before any segment, and once the newest outlives its duration plus the slack', () => {
    const freshness = new SwarmFreshness(500);
    expect(freshness.isLate(0)).toBe(true);
    freshness.noteSegment(10, 1, 1_000);
    expect(freshness.isLate(2_400)).toBe(false);
    expect(freshness.isLate(2_600)).toBe(true);
  });

  it('counts only a newer segment: a backfilled one does not make a late swarm look fresh', () => {
    const freshness = new SwarmFreshness(500);
    freshness.noteSegment(10, 1, 0);
    freshness.noteSegment(8, 1, 1_500);
    expect(freshness.isLate(1_600)).toBe(true);
    freshness.noteSegment(11, 2, 1_600);
    expect(freshness.isLate(4_000)).toBe(false);
    expect(freshness.isLate(4_200)).toBe(true);
  });
});
