/**
 * What the coordinator offers a joiner at scale: slots it offers are leased to that joiner for a
 * while (and come back when the lease ends), offers are spread rather than the same few peers
 * for everyone, a peer that cannot upload is never a parent, and with a coordinate the offer is
 * the nearest free peers.
 */
import { describe, expect, it } from 'vitest';
import { LEASE_MS, TreeView } from '../../src/seeder/tree-view.js';
import type { PeerReport } from '../../src/swarm/messages.js';
import { positionReport } from '../helpers/position-report.js';
import { makeRandom } from '../../bench/tree-sim/random.js';

const ORIGIN = 'origin';

function report(
  parent: string | null,
  depth: number,
  maxChildren: number,
  children = 0,
): PeerReport {
  return positionReport({ parent, depth, maxChildren, children });
}

const ids = (list: { id: string }[]) => list.map((entry) => entry.id).sort();

/** `count` peers below the origin at depth 1, each with `slots` slots. */
function flat(count: number, slots: number, originSlots = count): TreeView {
  const view = new TreeView(ORIGIN, originSlots, makeRandom(7));
  for (let i = 0; i < count; i++) view.report(`p${i}`, report(ORIGIN, 1, slots), 0);
  return view;
}

describe('TreeView leases', () => {
  it('does not offer a slot leased to another joiner, and offers it again once the lease ends', () => {
    const view = flat(1, 1);
    const first = view.offer('j1', { lease: true, now: 0 });
    expect(ids(first.candidates)).toEqual(['p0']);
    expect(view.leased('p0')).toBe(1);
    expect(view.offer('j2', { lease: true, now: 1 }).candidates).toEqual([]);
    expect(view.offer('j2', { lease: true, now: LEASE_MS }).candidates.map((c) => c.id)).toEqual([
      'p0',
    ]);
  });

  it('frees the other offered slots when the joiner reports its parent', () => {
    const view = flat(3, 1);
    view.offer('j', { lease: true, now: 0 });
    expect(['p0', 'p1', 'p2'].map((id) => view.leased(id)).sort()).toEqual([0, 1, 1]);
    view.report('j', report('p1', 2, 0), 10);
    expect(['p0', 'p1', 'p2'].map((id) => view.freeSlots(id))).toEqual([1, 0, 1]);
    expect(ids(view.offer('k', { now: 20 }).candidates)).toEqual(['p0', 'p2']);
  });

  it('replaces a joiner’s lease when it asks again, and a refresh leases nothing', () => {
    const view = flat(2, 1);
    view.offer('j', { lease: true, now: 0, limit: 1 });
    view.offer('j', { lease: true, now: 5, limit: 1 });
    expect(view.leased('p0') + view.leased('p1')).toBe(1);
    view.offer('attached', { now: 6 });
    expect(view.leased('p0') + view.leased('p1')).toBe(1);
    view.forget('j');
    expect(view.leased('p0') + view.leased('p1')).toBe(0);
  });

  it('leases the origin’s own free slots too', () => {
    const view = new TreeView(ORIGIN, 1);
    expect(view.offer('j1', { lease: true, originChildren: 0, now: 0 }).origin.freeSlots).toBe(1);
    expect(view.offer('j2', { lease: true, originChildren: 0, now: 1 }).origin.freeSlots).toBe(0);
  });
});

describe('TreeView spread and capacity', () => {
  it('gives simultaneous joiners different peers instead of the same top few', () => {
    const view = flat(200, 4, 4);
    const seen = new Set<string>();
    for (let j = 0; j < 20; j++) {
      for (const c of view.offer(`j${j}`, { now: 0 }).candidates) seen.add(c.id);
    }
    // 20 offers of 6 from 200: the same 6 for everyone would be herding.
    expect(seen.size).toBeGreaterThan(60);
  });

  it('never offers a peer that cannot upload, however shallow: it is a leaf', () => {
    const view = new TreeView(ORIGIN, 8, makeRandom(1));
    for (let i = 0; i < 6; i++) view.report(`leaf${i}`, report(ORIGIN, 1, 0), 0);
    view.report('relay', report('leaf0', 2, 3), 0);
    for (let j = 0; j < 10; j++) {
      const offer = view.offer(`j${j}`, { now: 0, lease: true });
      expect(offer.candidates.every((c) => !c.id.startsWith('leaf'))).toBe(true);
    }
    expect(view.freeSlots('leaf0')).toBe(0);
  });

  it('with a coordinate, offers the nearest free peers (RTT plus the depth penalty)', () => {
    const view = flat(50, 2);
    for (let i = 0; i < 50; i++) view.locate(`p${i}`, { x: i * 10, y: 0, h: 1, e: 0.1 });
    const offer = view.offer('j', { coord: { x: 101, y: 0, h: 1, e: 0.2 }, limit: 3, now: 0 });
    expect(ids(offer.candidates)).toEqual(['p10', 'p11', 'p9']);
    expect(offer.candidates[0]!.coord).toBeDefined();
  });
});

describe('TreeView depth budget', () => {
  /** A chain origin <- c1 <- c2 <- ... <- cN, each with `slots` slots, at coordinate x = 10 i. */
  function chain(length: number, slots: number): TreeView {
    const view = new TreeView(ORIGIN, 4, makeRandom(2));
    for (let i = 1; i <= length; i++) {
      view.report(`c${i}`, report(i === 1 ? ORIGIN : `c${i - 1}`, i, slots), 0);
      view.locate(`c${i}`, { x: 10 * i, y: 0, h: 1, e: 0.1 });
    }
    return view;
  }

  it('is ceil(log_k N) + 1 for the peers reporting, and heights come from the reports', () => {
    const view = chain(8, 2);
    // Nine with the origin, k = 2: ceil(log2 9) + 1 = 5.
    expect(view.depthBudget()).toBe(5);
    expect(view.height('c1')).toBe(7);
    expect(view.height('c8')).toBe(0);
    expect(view.height('nobody')).toBe(0);
  });

  it('offers the nearest within the budget, never a slot that would land the joiner below it', () => {
    const view = chain(8, 2);
    // Nearest by coordinate is c8 (depth 8), but a joiner there would sit at 9 > 5.
    const offer = view.offer('j', { coord: { x: 85, y: 0, h: 1, e: 0.1 }, limit: 2, now: 0 });
    expect(offer.candidates.map((c) => c.id)).toEqual(['c4', 'c3']);
    // A joiner with a subtree of height 2 below it must sit two levels higher still: twelve
    // peers now, budget ceil(log2 12) + 1 = 5, so its parent at depth 2 at most.
    view.report('j', report(null, 0, 2), 0);
    view.report('k', report('j', 1, 2), 0);
    view.report('l', report('k', 2, 2), 0);
    const deeper = view.offer('j', { coord: { x: 85, y: 0, h: 1, e: 0.1 }, limit: 1, now: 0 });
    expect(view.depthBudget()).toBe(5);
    expect(deeper.candidates.map((c) => c.id)).toEqual(['c2']);
  });

  it('adds random explorers within the budget to a refresh, and tells the budget', () => {
    const view = chain(8, 2);
    const offer = view.offer('j', {
      coord: { x: 0, y: 0, h: 1, e: 0.1 },
      limit: 1,
      explore: 2,
      now: 0,
    });
    expect(offer.candidates).toHaveLength(3);
    for (const candidate of offer.candidates.slice(1)) {
      expect(candidate.depth).toBeLessThanOrEqual(4);
      expect(candidate.id).not.toBe(offer.candidates[0]!.id);
    }
  });
});
