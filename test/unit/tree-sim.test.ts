/**
 * The tree algorithm (the real TreeView and rankCandidates, peers simulated) at a small scale:
 * 500 peers joining over a minute, then 10 % of them replaced every minute for two more. Checks
 * the shape a viewer would care about once the churn has stopped and the tree has settled.
 */
import { describe, expect, it } from 'vitest';
import type { FinalPeer } from '../../bench/tree-sim/contract.js';
import { simulateTree } from '../../bench/tree-sim/simulate.js';

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
});

describe('tree simulation with exact coordinates (the --oracle diagnosis)', () => {
  it('chooses the nearest free peer when every coordinate is the truth', () => {
    const exact = simulateTree({ peers: PEERS, minutes: 1, churn: 0.1, seed: 1, oracle: 'all' });
    // With nothing to mislead the offer, the choice is the nearest up to ping noise and slots
    // taken in between; fitted coordinates do measurably worse on the same seed.
    expect(exact.rttRatio.p50).toBeLessThan(1.05);
    const fitted = simulateTree({ peers: PEERS, minutes: 1, churn: 0.1, seed: 1 });
    expect(fitted.rttRatio.p95).toBeGreaterThan(exact.rttRatio.p95);
  });
});
