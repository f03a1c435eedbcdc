/**
 * The tree algorithm (the real TreeView and rankCandidates, peers simulated) at a small scale:
 * 500 peers joining over a minute, then 10 % of them replaced every minute for two more. Checks
 * the shape a viewer would care about once the churn has stopped and the tree has settled.
 */
import { describe, expect, it } from 'vitest';
import { MEAN_CAPACITY, simulateTree, type FinalPeer } from '../../bench/tree-sim.js';

const PEERS = 500;
const result = simulateTree({ peers: PEERS, minutes: 3, churn: 0.1, seed: 1 });
const byId = new Map(result.final.map((peer) => [peer.id, peer]));

/** Hops from the peer up to the origin, or undefined if the walk breaks or loops. */
function depthOf(peer: FinalPeer): number | undefined {
  const seen = new Set<string>();
  let hops = 0;
  for (let at: FinalPeer | undefined = peer; at; hops++) {
    if (seen.has(at.id)) return undefined;
    seen.add(at.id);
    if (at.parent === result.originId) return hops + 1;
    at = at.parent === null ? undefined : byId.get(at.parent);
  }
  return undefined;
}

describe('tree simulation (500 peers, 3 minutes, 10 % churn)', () => {
  it('ends with every live peer attached and receiving', () => {
    expect(result.final).toHaveLength(PEERS);
    expect(result.final.filter((peer) => peer.parent === null)).toEqual([]);
    expect(result.final.filter((peer) => !peer.connected)).toEqual([]);
  });

  it('has no loops: walking parents from any peer reaches the origin', () => {
    const broken = result.final.filter((peer) => depthOf(peer) === undefined);
    expect(broken).toEqual([]);
  });

  it('never gives a parent more children than its slots', () => {
    const children = new Map<string, number>();
    for (const peer of result.final) {
      if (peer.parent) children.set(peer.parent, (children.get(peer.parent) ?? 0) + 1);
    }
    expect(children.get(result.originId) ?? 0).toBeLessThanOrEqual(result.originMaxChildren);
    const over = result.final.filter((peer) => (children.get(peer.id) ?? 0) > peer.maxChildren);
    expect(over).toEqual([]);
  });

  // Known gap, kept as an expected failure so the suite stays green and flags the fix: a peer
  // that loses its parent keeps its subtree and re-attaches wherever TreeView offers room, the
  // frontier, so under churn whole subtrees stack up (12 levels here; 23 at 2,000 peers). When
  // re-attachment stops deepening the tree this starts passing: make it a plain `it` then.
  it.fails('keeps the tree within ceil(log_k N) + 3 levels', () => {
    // With the origin's o = 4 slots and k = MEAN_CAPACITY slots per peer on average (2.36),
    // filling parents shallowest first gives level d about o * k^(d-1) peers, so D levels hold
    // o * (k^D - 1) / (k - 1) >= N once D >= log_k(N (k - 1) / o + 1), which is at most
    // log_k(N + 1) because k - 1 <= o: ceil(log_k N) levels would do for a tidy tree (8 here).
    // Three levels of slack, one for each way the real tree is untidy: TreeView offers the two
    // shallowest open levels, not only the first; reports are up to 2 s stale, so retries land
    // a level lower once the shallow slots are taken; and a peer that re-attaches after losing
    // its parent brings its subtree along to wherever there is room.
    const bound = Math.ceil(Math.log(PEERS) / Math.log(MEAN_CAPACITY)) + 3;
    const deepest = Math.max(...result.final.map((peer) => depthOf(peer) ?? Infinity));
    expect(deepest).toBeLessThanOrEqual(bound);
  });

  // Known gap, kept as an expected failure so the suite stays green and flags the fix: TreeView
  // offers the shallowest peers with the most free slots, blind to where the joiner is, so
  // rankCandidates picks the nearest of six far-flung peers (median ratio about 2.2 here). When
  // the offers take locality into account this starts passing: make it a plain `it` then.
  it.fails('picks a parent within twice the RTT of the nearest free peer (median)', () => {
    expect(result.rttRatio.p50).toBeLessThanOrEqual(2);
  });

  it('answers every join exactly as TreeView would (the cache in the simulator)', () => {
    const checked = simulateTree({
      peers: 150,
      minutes: 2,
      churn: 0.2,
      seed: 3,
      silentLeaveFraction: 0.3,
      eagerReports: true,
      verifyCoordinator: true,
    });
    expect(checked.coordinatorQueries).toBeGreaterThan(100);
    expect(checked.coordinatorMismatches).toBe(0);
  });
});
