/**
 * Vivaldi coordinates (Dabek et al., SIGCOMM 2004) on a synthetic network whose round-trip
 * times are exactly "planar distance + both access delays": a population of peers that only
 * measure a few random others each round must converge to coordinates that predict RTTs well,
 * and a newcomer must place itself from one batch of pings to placed peers.
 */
import { describe, expect, it } from 'vitest';
import { makeRandom } from '../../bench/tree-sim/random.js';
import {
  isPlaced,
  learn,
  locate,
  observe,
  ORIGIN_COORDINATE,
  predictRtt,
  UNPLACED,
  type Coordinate,
} from '../../src/swarm/vivaldi.js';

interface Node {
  x: number;
  y: number;
  access: number;
  coord: Coordinate;
}

const trueRtt = (a: Node, b: Node) => Math.hypot(a.x - b.x, a.y - b.y) + a.access + b.access;

function population(count: number, random: () => number): Node[] {
  const origin: Node = { x: 50, y: 50, access: 0, coord: ORIGIN_COORDINATE };
  const nodes = [origin];
  for (let i = 0; i < count; i++) {
    nodes.push({ x: random() * 100, y: random() * 100, access: random() * 10, coord: UNPLACED });
  }
  return nodes;
}

/** Median relative error of predictions over random pairs. */
function medianError(nodes: Node[], random: () => number): number {
  const errors: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const a = nodes[1 + Math.floor(random() * (nodes.length - 1))]!;
    const b = nodes[1 + Math.floor(random() * (nodes.length - 1))]!;
    if (a === b) continue;
    errors.push(Math.abs(predictRtt(a.coord, b.coord) - trueRtt(a, b)) / trueRtt(a, b));
  }
  return errors.sort((p, q) => p - q)[Math.floor(errors.length / 2)]!;
}

describe('Vivaldi coordinates', () => {
  it('converge: after a few dozen rounds of 6 samples each, predictions are within 10 %', () => {
    const random = makeRandom(11);
    const nodes = population(300, random);
    const before = medianError(nodes, random);
    for (let round = 0; round < 40; round++) {
      for (const node of nodes.slice(1)) {
        // Like a peer's refresh: the origin and a handful of others.
        const samples = [nodes[0]!];
        for (let i = 0; i < 5; i++) samples.push(nodes[Math.floor(random() * nodes.length)]!);
        node.coord = learn(
          node.coord,
          samples
            .filter((other) => other !== node)
            .map((other) => ({ coord: other.coord, rttMs: trueRtt(node, other) })),
          random,
        );
      }
    }
    const after = medianError(nodes, random);
    expect(before).toBeGreaterThan(0.3);
    expect(after).toBeLessThan(0.1);
    expect(nodes.slice(1).every((node) => isPlaced(node.coord))).toBe(true);
  });

  it('places a newcomer from one batch of pings well enough to find its nearest peer', () => {
    const random = makeRandom(5);
    // Placed peers with their true coordinates (as if converged), in a frame anchored at 0.
    const peers: Node[] = Array.from({ length: 200 }, () => {
      const x = random() * 100 - 50;
      const y = random() * 100 - 50;
      const access = random() * 5;
      return { x, y, access, coord: { x, y, h: access, e: 0.1 } };
    });
    const newcomer: Node = { x: 12, y: -7, access: 2, coord: UNPLACED };
    const batch = peers.slice(0, 7).map((peer) => ({
      coord: peer.coord,
      rttMs: trueRtt(newcomer, peer),
    }));
    const placed = locate(UNPLACED, batch, random);
    expect(isPlaced(placed)).toBe(true);
    const byTruth = [...peers].sort((a, b) => trueRtt(newcomer, a) - trueRtt(newcomer, b));
    const byGuess = [...peers].sort(
      (a, b) => predictRtt(placed, a.coord) - predictRtt(placed, b.coord),
    );
    // The predicted nearest is at most 30 % further than the true nearest.
    expect(trueRtt(newcomer, byGuess[0]!)).toBeLessThan(1.3 * trueRtt(newcomer, byTruth[0]!));
  });

  it('ignores samples that cannot be right, and pushes apart two peers at one point', () => {
    expect(observe(UNPLACED, ORIGIN_COORDINATE, 0)).toBe(UNPLACED);
    expect(observe(UNPLACED, ORIGIN_COORDINATE, Number.NaN)).toBe(UNPLACED);
    const moved = observe(UNPLACED, ORIGIN_COORDINATE, 40, () => 0.25);
    expect(Math.hypot(moved.x, moved.y) + moved.h).toBeGreaterThan(0);
    // Moving towards the measured 40 ms: the next prediction errs less, and so does the estimate.
    expect(observe(moved, ORIGIN_COORDINATE, 40, () => 0.25).e).toBeLessThan(1);
  });
});
