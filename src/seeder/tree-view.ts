/**
 * The origin's picture of the tree, built from the peers' own reports: who hangs below whom, how
 * many free slots each has, and which peers are therefore good parents for a newcomer. Advisory
 * only: a parent enforces its own slots and refuses loops, so a stale view costs a retry, never a
 * broken tree. Pure (time and randomness are passed in), so the simulator drives it with
 * thousands of peers.
 *
 * Where a joiner goes: the nearest free slot (by Vivaldi coordinate) within a depth budget,
 * ceil(log_k N) + 1 levels, less the height of any subtree the joiner brings along. A tree
 * filled level by level is log_k N deep, so the budget bounds depth while leaving a joiner the
 * whole width of the tree to find a near parent in; offering only the two shallowest levels with
 * room, as this did before, kept depth down no better (20 levels at 10,000 peers in
 * `bench:tree:sim`) and sent joiners past their near peers (parent RTT 2.5 times the nearest
 * free peer's).
 *
 * Kept incrementally, so that neither a report nor a join walks every peer: peers with a free
 * slot are indexed by depth and in a grid by coordinate (coordinate-grid.ts), children are kept
 * per parent, and whether a candidate hangs from the origin (and not below the joiner) is checked
 * by walking up its few ancestors only when it is about to be offered.
 */
import type { CandidateInfo, PeerReport } from '../swarm/messages.js';
import {
  DEPTH_PENALTY_MS,
  EXPLORE_PEERS,
  OFFER_LIMIT,
  SPREAD_LIMIT,
} from '../swarm/parent-choice.js';
import { ORIGIN_COORDINATE, predictRtt, type Coordinate } from '../swarm/vivaldi.js';
import { CoordinateGrid } from './coordinate-grid.js';
import { nearestOf, RandomSet, spreadOf } from './pool-picks.js';
import { SlotLeases } from './slot-leases.js';
import { AncestryWalk } from './tree-ancestry.js';

export { EXPLORE_PEERS, OFFER_LIMIT, SPREAD_LIMIT };

export interface TreeShape {
  size: number;
  depth: number;
}

/** A peer silent for this long is considered gone. */
export const REPORT_TTL_MS = 6_000;
/**
 * How long an offered slot stays reserved for the joiner it was offered to: long enough for its
 * pings and attach (well under a second between Node peers, a few seconds for a browser's WebRTC
 * dial), short enough that a joiner that vanished does not keep others out for long.
 */
export const LEASE_MS = 3_000;
/** Offered slots leased per join: the nearest two (or two of a spread), plus the origin's. */
export const LEASED_PER_OFFER = 2;
/** Levels offered: the shallowest two with room; deeper ones would only lengthen the tree. */
const OFFERED_LEVELS = 2;
/** Levels over log_k N a joiner may land on, to take a nearer slot (see depthBudget). */
export const DEPTH_SLACK = 1;
/** The fan-out the depth budget assumes at least, whatever the peers report. */
const MIN_FANOUT = 1.5;
/** A walk up the parents longer than this is a loop in stale reports. */
const MAX_WALK = 1000;

export type Offered = Omit<CandidateInfo, 'addrs'>;

export interface OfferRequest {
  /** Peers not to offer (ones the joiner could not attach to). */
  exclude?: Iterable<string>;
  limit?: number;
  /** The joiner's network coordinate: the offer is then the nearest free peers, by prediction. */
  coord?: Coordinate;
  /** Reserve one slot at each offered parent (a joiner looking for a parent, not a refresh). */
  lease?: boolean;
  /** Also offer this many random peers within the depth budget, to measure (EXPLORE_PEERS). */
  explore?: number;
  /**
   * The joiner's own upload slots. A joiner that cannot upload is a leaf: it takes the deeper of
   * the two levels, leaving the shallower slots to peers that can feed others.
   */
  maxChildren?: number;
  /** The origin's real child count (its live server knows it better than the reports). */
  originChildren?: number;
  now?: number;
}

export interface TreeOffer {
  origin: Offered;
  candidates: Offered[];
}

interface Entry {
  id: string;
  report: PeerReport;
  seenAt: number;
  coord: Coordinate | undefined;
  /** The depth it is indexed under in `open`, if it has a free slot. */
  openAt: number | undefined;
}

export class TreeView {
  private readonly peers = new Map<string, Entry>();
  /** The entries that name each peer as their parent. */
  private readonly children = new Map<string, Set<string>>();
  /** The sum of every entry's reported upload slots, for the mean fan-out of the depth budget. */
  private capacity = 0;
  /** Open entries that sent a coordinate, for the nearest search. */
  /** Open entries that sent a coordinate, one grid per depth. */
  private readonly grids = new Map<number, CoordinateGrid<Entry>>();
  /** Entries with a free (unleased) slot, by reported depth. */
  private readonly open = new Map<number, Set<Entry>>();
  /** Coordinates heard in join requests, kept until the peer is forgotten. */
  private readonly coords = new Map<string, Coordinate>();
  /** Entries with a coordinate, for the explorers' random picks. */
  private readonly located = new RandomSet<Entry>();
  private readonly leases = new SlotLeases(LEASE_MS);

  constructor(
    readonly originId: string,
    private readonly originMaxChildren: number,
    private readonly random: () => number = Math.random,
  ) {}

  report(id: string, report: PeerReport, now = Date.now()): void {
    if (id === this.originId) return;
    let entry = this.peers.get(id);
    const oldParent = entry?.report.parent ?? null;
    if (entry) {
      this.capacity += report.maxChildren - entry.report.maxChildren;
      entry.report = report;
      entry.seenAt = now;
    } else {
      entry = { id, report, seenAt: now, coord: this.coords.get(id), openAt: undefined };
      this.peers.set(id, entry);
      if (entry.coord) this.located.add(entry);
      this.capacity += report.maxChildren;
    }
    if (oldParent !== report.parent) {
      this.link(id, oldParent, false);
      this.link(id, report.parent, true);
    }
    // Attached: its slot now shows in the counts, so whatever it was offered is free again.
    if (report.parent) this.changed(this.leases.release(id));
    this.reindex(entry);
  }

  /** Remembers a peer's coordinate (it arrives with every join and refresh). */
  locate(id: string, coord: Coordinate): void {
    if (id === this.originId) return;
    this.coords.set(id, coord);
    const entry = this.peers.get(id);
    if (!entry) return;
    entry.coord = coord;
    this.located.add(entry);
    if (entry.openAt !== undefined) this.gridAdd(entry, entry.openAt, coord);
  }

  forget(id: string): void {
    this.coords.delete(id);
    this.changed(this.leases.release(id));
    const entry = this.peers.get(id);
    if (!entry) return;
    this.peers.delete(id);
    this.located.delete(entry);
    this.capacity -= entry.report.maxChildren;
    this.link(id, entry.report.parent, false);
    this.unindex(entry);
  }

  /** Drops peers that stopped reporting. */
  expire(now = Date.now()): void {
    for (const [id, entry] of this.peers) {
      if (now - entry.seenAt > REPORT_TTL_MS) this.forget(id);
    }
  }

  entries(): { id: string; report: PeerReport }[] {
    return [...this.peers.values()];
  }

  /** Free slots at `id`, less those leased to joiners. */
  freeSlots(id: string, originChildren?: number): number {
    if (id === this.originId) {
      const used = originChildren ?? this.childCount(id);
      return Math.max(0, this.originMaxChildren - used - this.leases.count(id));
    }
    const entry = this.peers.get(id);
    return entry ? this.slotsFree(entry) : 0;
  }

  /** Slots of `id` currently leased to joiners. */
  leased(id: string): number {
    return this.leases.count(id);
  }

  /** Everything below `id` (a peer must never attach there). A walk over every entry: tests only. */
  descendants(id: string): Set<string> {
    const out = new Set<string>();
    const walk = this.walk(id);
    for (const entry of this.peers.values()) {
      if (entry.id !== id && walk.of(entry) === 'below') out.add(entry.id);
    }
    return out;
  }

  /** The candidates of an offer without leasing anything (backwards-compatible shape). */
  candidates(joiner: string, exclude: Iterable<string>, limit = OFFER_LIMIT): Offered[] {
    return this.offer(joiner, { exclude, limit }).candidates;
  }

  /**
   * What the origin offers `joiner`: itself, and up to `limit` attached peers with a free slot,
   * never the joiner, anything below it, or an excluded peer. Only peers whose chain of parents
   * reaches the origin are offered: below a peer that died, a whole subtree waits for its root
   * to re-attach and can feed no one meanwhile. With a coordinate, the offer is the joiner's
   * nearest by predicted RTT plus the joiner's own depth penalty (what it will rank them by),
   * among the peers within the depth budget; without one it is a random spread (SPREAD_LIMIT)
   * over the two shallowest levels with room, for the joiner to place itself by, and so that
   * simultaneous joiners are not all sent to the same few peers. When too few are within the
   * budget, the shallowest levels make up the rest. With `explore`, that many random peers
   * within the budget are added (for a refresh). With `lease`, the first LEASED_PER_OFFER offered
   * slots are reserved for the joiner for LEASE_MS.
   */
  offer(joiner: string, request: OfferRequest = {}): TreeOffer {
    const now = request.now ?? Date.now();
    this.changed(this.leases.expire(now));
    // Asking again voids the joiner's earlier offer.
    if (request.lease) this.changed(this.leases.release(joiner));
    const limit = request.limit ?? (request.coord ? OFFER_LIMIT : SPREAD_LIMIT);
    const banned = new Set(request.exclude ?? []).add(joiner);
    const walk = this.walk(joiner);
    const ok = (entry: Entry) => !banned.has(entry.id) && walk.of(entry) === 'rooted';
    const deepest =
      request.coord || request.explore ? this.depthBudget() - 1 - this.height(joiner) : Infinity;
    const within = (entry: Entry) => entry.report.depth <= deepest && ok(entry);
    let picked: Entry[] = [];
    if (request.coord) {
      picked = this.nearestWithin(request.coord, deepest, limit, ok);
    }
    if (picked.length < limit) {
      // Nothing (or too little) near enough within the budget: the shallowest levels with room.
      const taken = new Set(picked);
      const okRest = (entry: Entry) => !taken.has(entry) && ok(entry);
      const pool = this.pool(okRest, this.levelsFor(joiner, request.maxChildren));
      const coord = request.coord;
      // Peers that never sent a coordinate rank after every placed one.
      const score = (entry: Entry) =>
        (coord && entry.coord ? predictRtt(coord, entry.coord) : 1e9) +
        DEPTH_PENALTY_MS * entry.report.depth;
      const rest = coord
        ? nearestOf(pool, score, limit - picked.length, okRest)
        : spreadOf(pool, limit, okRest, this.random);
      picked = [...picked, ...rest];
    }
    if (request.explore) {
      const explorers = this.located.pick(request.explore, within, new Set(picked), this.random);
      picked = [...picked, ...explorers];
    }
    const candidates = picked.map((entry): Offered => {
      const out: Offered = {
        id: entry.id,
        depth: entry.report.depth,
        freeSlots: this.slotsFree(entry),
      };
      if (entry.coord) out.coord = entry.coord;
      return out;
    });
    const origin: Offered = {
      id: this.originId,
      depth: 0,
      freeSlots: this.freeSlots(this.originId, request.originChildren),
      coord: ORIGIN_COORDINATE,
    };
    if (request.lease) {
      // Only the first few: reserving all six for each of a burst of joiners (a dead relay's
      // orphans all asking at once) would leave the last of them nothing to be offered.
      const parents = picked.slice(0, LEASED_PER_OFFER).map((entry) => entry.id);
      if (origin.freeSlots > 0) parents.push(this.originId);
      this.changed(this.leases.grant(joiner, parents, now));
    }
    return { origin, candidates };
  }

  /**
   * The deepest level a joiner should land on: ceil(log_k N) + DEPTH_SLACK, with N the peers
   * reporting plus the origin and k their mean upload slots (at least MIN_FANOUT). A tree filled
   * level by level is log_k N deep; the slack lets a joiner take a nearer slot a level lower.
   */
  depthBudget(): number {
    const n = this.peers.size + 1;
    const mean = this.peers.size === 0 ? this.originMaxChildren : this.capacity / this.peers.size;
    const k = Math.max(MIN_FANOUT, mean);
    return Math.max(1, Math.ceil(Math.log(n) / Math.log(k))) + DEPTH_SLACK;
  }

  /** Levels of the reported tree below `id`: 0 for a peer with no children. */
  height(id: string): number {
    const seen = new Set([id]);
    let level = [id];
    let height = 0;
    for (;;) {
      const next: string[] = [];
      for (const at of level) {
        for (const child of this.children.get(at) ?? []) {
          if (seen.has(child)) continue;
          seen.add(child);
          next.push(child);
        }
      }
      if (next.length === 0) return height;
      height += 1;
      level = next;
    }
  }

  addrs(id: string): string[] {
    return this.peers.get(id)?.report.addrs ?? [];
  }

  shape(): TreeShape {
    let depth = 0;
    for (const { report } of this.peers.values())
      if (report.parent) depth = Math.max(depth, report.depth);
    return { size: this.peers.size, depth };
  }

  // ---- internals ----

  private slotsFree(entry: Entry): number {
    const used = Math.max(this.childCount(entry.id), entry.report.children);
    return Math.max(0, entry.report.maxChildren - used - this.leases.count(entry.id));
  }

  private childCount(id: string): number {
    return this.children.get(id)?.size ?? 0;
  }

  private link(child: string, parent: string | null, add: boolean): void {
    if (!parent) return;
    let set = this.children.get(parent);
    if (add) {
      if (!set) this.children.set(parent, (set = new Set()));
      set.add(child);
    } else if (set) {
      set.delete(child);
      if (set.size === 0) this.children.delete(parent);
    }
    const entry = this.peers.get(parent);
    if (entry) this.reindex(entry);
  }

  private changed(parents: string[]): void {
    for (const id of parents) {
      const entry = this.peers.get(id);
      if (entry) this.reindex(entry);
    }
  }

  /** Files the entry under its depth if it is attached and has a free slot. */
  private reindex(entry: Entry): void {
    const depth = entry.report.parent && this.slotsFree(entry) > 0 ? entry.report.depth : undefined;
    if (depth === entry.openAt) return;
    this.unindex(entry);
    if (depth === undefined) return;
    let level = this.open.get(depth);
    if (!level) this.open.set(depth, (level = new Set()));
    level.add(entry);
    entry.openAt = depth;
    if (entry.coord) this.gridAdd(entry, depth, entry.coord);
  }

  private gridAdd(entry: Entry, depth: number, coord: Coordinate): void {
    let grid = this.grids.get(depth);
    if (!grid) this.grids.set(depth, (grid = new CoordinateGrid()));
    grid.set(entry, coord);
  }

  private unindex(entry: Entry): void {
    if (entry.openAt === undefined) return;
    const level = this.open.get(entry.openAt);
    level?.delete(entry);
    if (level?.size === 0) this.open.delete(entry.openAt);
    const grid = this.grids.get(entry.openAt);
    grid?.delete(entry);
    if (grid?.size === 0) this.grids.delete(entry.openAt);
    entry.openAt = undefined;
  }

  /**
   * The `limit` open peers nearest `coord` (predicted RTT plus depth penalty) at depth `deepest`
   * or above that `ok` accepts.
   */
  private nearestWithin(
    coord: Coordinate,
    deepest: number,
    limit: number,
    ok: (entry: Entry) => boolean,
  ): Entry[] {
    // One grid per level: most free peers sit on the deepest levels, below the budget, and one
    // grid for all would wade through them (1.4 ms an offer at 10,000 peers; 0.2 ms this way).
    // Each level's search stops where the best `take` found so far are nearer than anything
    // left in it (the levels are near-equal in score: a level costs 1 ms).
    const search = (take: number, accept: (entry: Entry) => boolean) => {
      const found: { entry: Entry; score: number }[] = [];
      for (const [depth, grid] of this.grids) {
        if (depth > deepest) continue;
        const extra = DEPTH_PENALTY_MS * depth;
        const bound = found.length === take ? found[take - 1]!.score - extra : Infinity;
        for (const entry of grid.nearest({ coord, limit: take, accept, bound })) {
          found.push({ entry, score: predictRtt(coord, entry.coord!) + extra });
        }
        found.sort((a, b) => a.score - b.score);
        if (found.length > take) found.length = take;
      }
      return found.map((item) => item.entry);
    };
    // Ancestry walks (`ok`) cost more than the search: first the nearest few unchecked, then the
    // checks in order; only when too many of those fail, a search that checks every candidate.
    const picked = search(limit * 2, () => true)
      .filter(ok)
      .slice(0, limit);
    return picked.length === limit ? picked : search(limit, ok);
  }

  /** Ancestry as `joiner` sees it, for one offer (the tree may change between offers). */
  private walk(joiner: string): AncestryWalk<Entry> {
    return new AncestryWalk((id) => this.peers.get(id), this.originId, joiner, MAX_WALK);
  }

  /**
   * Which of the shallowest levels with room a joiner is offered: a peer re-joining with a
   * subtree below it only the shallowest (every level it goes deeper, its whole subtree goes
   * deeper: this is what kept lengthening the tree under churn); a leaf only the second, when
   * there is one; everyone else both.
   */
  private levelsFor(joiner: string, maxChildren: number | undefined): 'first' | 'second' | 'both' {
    if (this.childCount(joiner) > 0) return 'first';
    return maxChildren === 0 ? 'second' : 'both';
  }

  /** The open peers of the shallowest OFFERED_LEVELS levels where `ok` accepts someone. */
  private pool(ok: (entry: Entry) => boolean, which: 'first' | 'second' | 'both'): Entry[] {
    const depths = [...this.open.keys()].sort((a, b) => a - b);
    let pool: Entry[] = [];
    let levels = 0;
    for (const depth of depths) {
      const level = this.open.get(depth)!;
      let usable = false;
      for (const entry of level) {
        if (ok(entry)) {
          usable = true;
          break;
        }
      }
      if (!usable) continue;
      levels += 1;
      if (which === 'second' && levels === 2) pool = [];
      for (const entry of level) pool.push(entry);
      if (levels === OFFERED_LEVELS || (which === 'first' && levels === 1)) break;
    }
    return pool;
  }
}
