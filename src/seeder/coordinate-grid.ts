/**
 * A uniform grid over Vivaldi coordinates, for "the k nearest that qualify" without scanning
 * everyone: the coordinator keeps its free peers here, and a join searches rings of cells outward
 * from the joiner's cell until no unvisited cell can hold anything nearer than the k-th found.
 * Predicted RTT is planar distance plus both heights (see vivaldi.ts), so a cell's lower bound is
 * its planar distance plus the joiner's own height; `extra` (a per-item cost such as a depth
 * penalty, never negative) only ever adds to it. The bucket grid of Bentley and Friedman's
 * fixed-radius searches; cells are sized to the spread of a real swarm's coordinates (tens to
 * hundreds of ms).
 */
import { predictRtt, type Coordinate } from '../swarm/vivaldi.js';

/** Cell side, ms of predicted RTT. */
export const GRID_CELL_MS = 10;

interface Cell<T> {
  items: Set<T>;
}

export interface NearestQuery<T> {
  coord: Coordinate;
  limit: number;
  /** Whether an item may be returned; called only for items that would make the cut. */
  accept: (item: T) => boolean;
  /** Added to an item's predicted RTT (>= 0), e.g. a depth penalty. */
  extra?: (item: T) => number;
  /** Only items scoring below this: what a search over several grids has already found. */
  bound?: number;
}

export class CoordinateGrid<T> {
  private readonly cells = new Map<number, Cell<T>>();
  private readonly where = new Map<T, { key: number; coord: Coordinate }>();
  /** Bounds of the occupied cells, so a search knows when it has seen every cell. */
  private minX = Infinity;
  private maxX = -Infinity;
  private minY = Infinity;
  private maxY = -Infinity;

  get size(): number {
    return this.where.size;
  }

  has(item: T): boolean {
    return this.where.has(item);
  }

  /** Adds `item` at `coord`, or moves it there. */
  set(item: T, coord: Coordinate): void {
    const cx = cellOf(coord.x);
    const cy = cellOf(coord.y);
    const key = keyOf(cx, cy);
    const old = this.where.get(item);
    if (old?.key === key) {
      old.coord = coord;
      return;
    }
    if (old) this.cells.get(old.key)?.items.delete(item);
    let cell = this.cells.get(key);
    if (!cell) this.cells.set(key, (cell = { items: new Set() }));
    cell.items.add(item);
    this.where.set(item, { key, coord });
    this.minX = Math.min(this.minX, cx);
    this.maxX = Math.max(this.maxX, cx);
    this.minY = Math.min(this.minY, cy);
    this.maxY = Math.max(this.maxY, cy);
  }

  delete(item: T): void {
    const old = this.where.get(item);
    if (!old) return;
    this.where.delete(item);
    const cell = this.cells.get(old.key);
    cell?.items.delete(item);
    if (cell?.items.size === 0) this.cells.delete(old.key);
    // Bounds only ever grow: a stale bound costs a few empty rings, never a wrong answer.
  }

  /**
   * Up to `limit` accepted items with the lowest predicted RTT to `coord` plus `extra`, lowest
   * first. Visits rings of cells outward; falls back to a scan of every item when the rings would
   * visit more cells than there are items (coordinates far apart, or few items).
   */
  nearest(query: NearestQuery<T>): T[] {
    const { coord, limit } = query;
    if (limit <= 0 || this.where.size === 0) return [];
    const extra = query.extra ?? (() => 0);
    const bound = query.bound ?? Infinity;
    const best: { item: T; score: number }[] = [];
    /** What an item must score below to make the cut. */
    const cut = () => (best.length === limit ? Math.min(bound, best[limit - 1]!.score) : bound);
    const consider = (item: T, itemCoord: Coordinate) => {
      const score = predictRtt(coord, itemCoord) + extra(item);
      if (score >= cut()) return;
      if (!query.accept(item)) return;
      if (best.length === limit) best.pop();
      let i = best.length;
      best.push({ item, score });
      while (i > 0 && best[i - 1]!.score > score) {
        best[i] = best[i - 1]!;
        i--;
      }
      best[i] = { item, score };
    };
    const cx = cellOf(coord.x);
    const cy = cellOf(coord.y);
    const reach = Math.max(
      Math.abs(cx - this.minX),
      Math.abs(cx - this.maxX),
      Math.abs(cy - this.minY),
      Math.abs(cy - this.maxY),
    );
    // Cells in rings 0..reach: (2 reach + 1)^2. Past a few per item, scanning is cheaper.
    if ((2 * reach + 1) ** 2 > 4 * this.where.size + 64) {
      for (const [item, { coord: at }] of this.where) consider(item, at);
      return best.map((entry) => entry.item);
    }
    for (let ring = 0; ring <= reach; ring++) {
      // Nothing in this ring or beyond is nearer than this in the plane.
      const floor = Math.max(0, ring - 1) * GRID_CELL_MS + coord.h;
      if (floor >= cut()) break;
      this.visitRing(cx, cy, ring, (cell) => {
        for (const item of cell.items) consider(item, this.where.get(item)!.coord);
      });
    }
    return best.map((entry) => entry.item);
  }

  private visitRing(cx: number, cy: number, ring: number, visit: (cell: Cell<T>) => void): void {
    const at = (x: number, y: number) => {
      const cell = this.cells.get(keyOf(x, y));
      if (cell) visit(cell);
    };
    if (ring === 0) return at(cx, cy);
    for (let x = cx - ring; x <= cx + ring; x++) {
      at(x, cy - ring);
      at(x, cy + ring);
    }
    for (let y = cy - ring + 1; y <= cy + ring - 1; y++) {
      at(cx - ring, y);
      at(cx + ring, y);
    }
  }
}

const cellOf = (value: number) => Math.floor(value / GRID_CELL_MS);
/** Coordinates are clamped to ±MAX_COORDINATE_MS (1e5), so cells fit in ±2^14 each way. */
const keyOf = (cx: number, cy: number) => (cx + 32_768) * 65_536 + (cy + 32_768);
