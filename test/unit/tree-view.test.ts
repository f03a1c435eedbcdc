/**
 * The origin's view of the tree decides where newcomers are sent, and each peer ranks what it is
 * offered. A wrong answer here makes loops, long chains or attach attempts at full parents.
 */
import { describe, expect, it } from 'vitest';
import { REPORT_TTL_MS, TreeView } from '../../src/seeder/tree-view.js';
import type { PeerReport } from '../../src/swarm/messages.js';
import { positionReport } from '../helpers/position-report.js';
import {
  DEPTH_PENALTY_MS,
  rankCandidates,
  type MeasuredCandidate,
} from '../../src/swarm/parent-choice.js';

const ORIGIN = 'origin';

function report(parent: string | null, depth: number, maxChildren = 2, children = 0): PeerReport {
  return positionReport({
    parent,
    depth,
    maxChildren,
    children,
    addrs: [`/ip4/127.0.0.1/tcp/1/p2p/${parent ?? 'none'}`],
  });
}

/** Builds a view from `id: [parent, depth, maxChildren?]` entries, all reported at time 0. */
function view(
  tree: Record<string, [string | null, number, number?]>,
  originMaxChildren = 4,
): TreeView {
  const out = new TreeView(ORIGIN, originMaxChildren);
  for (const [id, [parent, depth, max]] of Object.entries(tree))
    out.report(id, report(parent, depth, max), 0);
  return out;
}

const ids = (list: { id: string }[]) => list.map((entry) => entry.id);

describe('TreeView candidates', () => {
  it('never offers the joiner, anything below it, or an excluded peer', () => {
    const tree = view({
      a: [ORIGIN, 1],
      b: [ORIGIN, 1],
      c: ['a', 2],
      d: ['c', 3],
      e: ['b', 2],
    });
    // a re-joining below c or d would close a loop; with a subtree below it, it is offered
    // only the shallowest level with room, so its subtree does not sink.
    expect(ids(tree.candidates('a', []))).toEqual(['b']);
    expect([...tree.descendants('a')].sort()).toEqual(['c', 'd']);
    expect(ids(tree.candidates('new', ['b'])).sort()).toEqual(['a', 'c', 'e']);
  });

  it('terminates and still excludes the subtree when reports form a cycle', () => {
    // Stale reports can momentarily say a is below b and b below a.
    const tree = view({ a: ['b', 2], b: ['a', 3], c: [ORIGIN, 1] });
    expect(ids(tree.candidates('a', []))).toEqual(['c']);
  });

  it('offers only attached peers with a free slot', () => {
    const tree = new TreeView(ORIGIN, 4);
    tree.report('leaf', report(ORIGIN, 1, 0), 0);
    tree.report('busy', report(ORIGIN, 1, 3, 3), 0);
    tree.report('detached', report(null, 0, 4), 0);
    tree.report('open', report(ORIGIN, 1, 2), 0);
    expect(ids(tree.candidates('new', []))).toEqual(['open']);
  });

  it('offers only the two shallowest levels with room', () => {
    const tree = view({
      full: [ORIGIN, 1, 1],
      child: ['full', 2, 1],
      x: ['child', 3, 1],
      y: ['child', 3, 3],
      z: ['y', 4, 2],
      w: ['z', 5, 2],
    });
    // Depth 1 and 2 have no room, so the offer is depths 3 and 4; depth 5 would only lengthen the tree.
    expect(
      tree
        .candidates('new', [])
        .map(({ id, depth, freeSlots }) => [id, depth, freeSlots])
        .sort(),
    ).toEqual([
      ['x', 3, 1],
      ['y', 3, 2],
      ['z', 4, 1],
    ]);
  });

  it('stops at the limit', () => {
    const tree = view(
      Object.fromEntries(
        Array.from({ length: 10 }, (_, i) => [`p${i}`, [ORIGIN, 1] as [string, number]]),
      ),
      20,
    );
    expect(tree.candidates('new', [], 3)).toHaveLength(3);
  });

  it('ignores reports claiming to come from the origin', () => {
    const tree = new TreeView(ORIGIN, 2);
    tree.report(ORIGIN, report('a', 1), 0);
    expect(tree.entries()).toHaveLength(0);
  });
});

describe('TreeView slots, expiry and shape', () => {
  it('counts children from their own reports, or the parent’s claim when higher', () => {
    const tree = new TreeView(ORIGIN, 2);
    tree.report('a', report(ORIGIN, 1, 3, 0), 0);
    tree.report('b', report('a', 2), 0);
    tree.report('c', report('a', 2), 0);
    // a says it has none, but two peers say they hang below it.
    expect(tree.freeSlots('a')).toBe(1);
    tree.report('a', report(ORIGIN, 1, 3, 3), 0);
    expect(tree.freeSlots('a')).toBe(0);
    expect(tree.freeSlots(ORIGIN)).toBe(1);
    tree.report('d', report(ORIGIN, 1), 0);
    expect(tree.freeSlots(ORIGIN)).toBe(0);
    expect(tree.freeSlots('unknown')).toBe(0);
  });

  it('drops peers that have been silent for longer than the report TTL', () => {
    const tree = new TreeView(ORIGIN, 2);
    tree.report('quiet', report(ORIGIN, 1), 0);
    tree.report('chatty', report(ORIGIN, 1), 0);
    tree.report('chatty', report(ORIGIN, 1), 5_000);
    tree.expire(REPORT_TTL_MS);
    expect(ids(tree.entries()).sort()).toEqual(['chatty', 'quiet']);
    tree.expire(REPORT_TTL_MS + 1);
    expect(ids(tree.entries())).toEqual(['chatty']);
    // The slot the silent peer held at the origin is free again.
    expect(tree.freeSlots(ORIGIN)).toBe(1);
  });

  it('reports size and depth of the tree', () => {
    expect(new TreeView(ORIGIN, 2).shape()).toEqual({ size: 0, depth: 0 });
    const tree = view({ a: [ORIGIN, 1], b: ['a', 2], c: ['b', 3], lost: [null, 7] });
    // A detached peer counts as present but not as depth.
    expect(tree.shape()).toEqual({ size: 4, depth: 3 });
  });
});

describe('rankCandidates', () => {
  const candidate = (
    id: string,
    depth: number,
    rttMs: number,
    freeSlots = 1,
  ): MeasuredCandidate => ({
    id,
    addrs: [],
    depth,
    freeSlots,
    rttMs,
  });

  it('prefers the lower round-trip time at equal depth', () => {
    expect(ids(rankCandidates([candidate('slow', 2, 80), candidate('fast', 2, 20)]))).toEqual([
      'fast',
      'slow',
    ]);
  });

  it('charges DEPTH_PENALTY_MS per level of depth', () => {
    const shallow = candidate('shallow', 1, 100);
    // One level deeper must be more than DEPTH_PENALTY_MS faster to win.
    expect(
      ids(rankCandidates([candidate('deep', 2, 100 - DEPTH_PENALTY_MS + 1), shallow])),
    ).toEqual(['shallow', 'deep']);
    expect(
      ids(rankCandidates([shallow, candidate('deep', 2, 100 - DEPTH_PENALTY_MS - 1)])),
    ).toEqual(['deep', 'shallow']);
  });

  it('breaks a tie in score with the number of free slots', () => {
    expect(
      ids(
        rankCandidates([
          candidate('one', 1, 50, 1),
          candidate('three', 2, 50 - DEPTH_PENALTY_MS, 3),
        ]),
      ),
    ).toEqual(['three', 'one']);
  });

  it('drops candidates without a free slot or that could not be reached', () => {
    const ranked = rankCandidates([
      candidate('full', 1, 5, 0),
      candidate('unreachable', 1, Infinity),
      candidate('broken', 1, NaN),
      candidate('ok', 3, 500),
    ]);
    expect(ids(ranked)).toEqual(['ok']);
  });
});
