import { describe, expect, it } from 'vitest';
import { OriginStats } from '../../src/seeder/origin-stats.js';

function originStats(): OriginStats {
  return new OriginStats({
    stream: 'main',
    segmentsPublished: () => 0,
    lastSequence: () => null,
    ingest: () => ({ source: 'test', state: 'live', pid: null, restarts: 0 }),
    peers: () => [],
    tree: () => ({ size: 0, depth: 0, originChildren: 0 }),
  });
}

describe('the P2P share the origin reports', () => {
  it("counts only bytes peers got from other peers, adding each report's growth once", () => {
    const stats = originStats();
    stats.countBytes('swarm', 1_000);
    stats.countBytes('http', 1_000);
    expect(stats.snapshot().p2pShare).toBe(0);
    stats.notePeerBytes('a', 500);
    stats.notePeerBytes('a', 1_000); // the same peer's running total: +500, not +1,000
    stats.notePeerBytes('b', 1_000);
    const snapshot = stats.snapshot();
    expect(snapshot.peerBytes).toBe(2_000);
    expect(snapshot.p2pShare).toBe(0.5);
  });

  it('keeps what peers that left had passed on, and counts a peer that started over in full', () => {
    const stats = originStats();
    stats.countBytes('swarm', 1_000);
    stats.notePeerBytes('a', 3_000);
    stats.notePeerBytes('a', 200); // restarted with the same id
    expect(stats.snapshot().peerBytes).toBe(3_200);
  });

  it('ignores totals that are not counts', () => {
    const stats = originStats();
    stats.notePeerBytes('a', Number.NaN);
    stats.notePeerBytes('a', -5);
    stats.notePeerBytes('a', Infinity);
    expect(stats.snapshot().peerBytes).toBe(0);
  });

  it('exports the same figures to Prometheus', async () => {
    const stats = originStats();
    stats.countBytes('swarm', 1_000);
    stats.notePeerBytes('a', 3_000);
    const text = await stats.registry.metrics();
    expect(text).toMatch(/^swarmcast_peer_bytes_total 3000$/m);
    expect(text).toMatch(/^swarmcast_p2p_share 0\.75$/m);
  });
});
