/** The coordinator's grid of free peers: its nearest search must equal a scan of everyone. */
import { describe, expect, it } from 'vitest';
import { CoordinateGrid } from '../../src/seeder/coordinate-grid.js';
import { predictRtt, type Coordinate } from '../../src/swarm/vivaldi.js';
import { makeRandom } from '../../bench/tree-sim/random.js';

interface Item {
  id: number;
  coord: Coordinate;
  depth: number;
}

function bruteForce(items: Item[], coord: Coordinate, limit: number, ok: (item: Item) => boolean) {
  return items
    .filter(ok)
    .map((item) => ({ item, score: predictRtt(coord, item.coord) + item.depth }))
    .sort((a, b) => a.score - b.score)
    .slice(0, limit)
    .map((entry) => entry.item.id);
}

describe('CoordinateGrid', () => {
  it('finds the same nearest as a scan, with a filter and a per-item cost', () => {
    const random = makeRandom(3);
    const grid = new CoordinateGrid<Item>();
    const items: Item[] = [];
    for (let id = 0; id < 2_000; id++) {
      const coord = { x: random() * 200 - 100, y: random() * 200 - 100, h: random() * 15, e: 0.1 };
      const item = { id, coord, depth: Math.floor(random() * 10) };
      items.push(item);
      grid.set(item, coord);
    }
    for (let query = 0; query < 50; query++) {
      const coord = { x: random() * 240 - 120, y: random() * 240 - 120, h: random() * 10, e: 0.2 };
      const ok = (item: Item) => item.depth <= 6 && item.id % 7 !== 0;
      const found = grid.nearest({ coord, limit: 8, accept: ok, extra: (item) => item.depth });
      expect(found.map((item) => item.id)).toEqual(bruteForce(items, coord, 8, ok));
      // With a bound (what other grids already found): only what scores below it.
      const bound = predictRtt(coord, found[4]!.coord) + found[4]!.depth;
      const below = (item: Item) => ok(item) && predictRtt(coord, item.coord) + item.depth < bound;
      const bounded = grid.nearest({ coord, limit: 8, accept: ok, extra: (i) => i.depth, bound });
      expect(bounded.map((item) => item.id)).toEqual(bruteForce(items, coord, 8, below));
      expect(bounded).toHaveLength(4);
    }
  });

  it('follows moves and deletions, and answers from far away by scanning', () => {
    const grid = new CoordinateGrid<string>();
    grid.set('a', { x: 0, y: 0, h: 1, e: 0.1 });
    grid.set('b', { x: 50, y: 0, h: 1, e: 0.1 });
    const at = (x: number) => ({ coord: { x, y: 0, h: 0, e: 0.1 }, limit: 1, accept: () => true });
    expect(grid.nearest(at(45))).toEqual(['b']);
    grid.set('b', { x: -500, y: 0, h: 1, e: 0.1 });
    expect(grid.nearest(at(45))).toEqual(['a']);
    grid.delete('a');
    expect(grid.size).toBe(1);
    expect(grid.nearest(at(90_000))).toEqual(['b']);
    grid.delete('b');
    expect(grid.nearest(at(0))).toEqual([]);
  });
});
