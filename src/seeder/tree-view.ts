/**
 * The origin's picture of the tree, built from the peers' own reports: who hangs below whom, how
 * many free slots each has, and which peers are therefore good parents for a newcomer. Advisory
 * only: a parent enforces its own slots and refuses loops, so a stale view costs a retry, never a
 * broken tree. Pure (time and randomness are passed in), so the simulator drives it with
 * thousands of peers.
 *
 * Kept incrementally, so that neither a report nor a join walks every peer: peers with a free
 * slot are indexed by depth, child counts are kept per parent, and whether a candidate hangs from
 * the origin (and not below the joiner) is checked by walking up its few ancestors only when it
 * is about to be offered. A join then costs a scan of the open peers of the two shallowest levels
 * (for the nearest by coordinate) or a handful of random picks among them.
 */
import type { CandidateInfo, PeerReport } from '../swarm/messages.js';
import { DEPTH_PENALTY_MS } from '../swarm/parent-choice.js';
import { ORIGIN_COORDINATE, predictRtt, type Coordinate } from '../swarm/vivaldi.js';
import { SlotLeases } from './slot-leases.js';

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
/** Candidates per offer: what a joiner measures (TreeMember's MEASURE_COUNT). */
export const OFFER_LIMIT = 6;
/** Offered slots leased per join: the nearest two (or two of a spread), plus the origin's. */
export const LEASED_PER_OFFER = 2;
/** Levels offered: the shallowest two with room; deeper ones would only lengthen the tree. */
const OFFERED_LEVELS = 2;
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
  /** How many entries name each peer as their parent. */
  private readonly counts = new Map<string, number>();
  /** Entries with a free (unleased) slot, by reported depth. */
  private readonly open = new Map<number, Set<Entry>>();
  /** Coordinates heard in join requests, kept until the peer is forgotten. */
  private readonly coords = new Map<string, Coordinate>();
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
      entry.report = report;
      entry.seenAt = now;
    } else {
      entry = { id, report, seenAt: now, coord: this.coords.get(id), openAt: undefined };
      this.peers.set(id, entry);
    }
    if (oldParent !== report.parent) {
      this.count(oldParent, -1);
      this.count(report.parent, 1);
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
    if (entry) entry.coord = coord;
  }

  forget(id: string): void {
    this.coords.delete(id);
    this.changed(this.leases.release(id));
    const entry = this.peers.get(id);
    if (!entry) return;
    this.peers.delete(id);
    this.count(entry.report.parent, -1);
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
      const used = originChildren ?? this.counts.get(id) ?? 0;
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
    for (const entry of this.peers.values()) {
      if (entry.id !== id && this.ancestry(entry, id) === 'below') out.add(entry.id);
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
   * to re-attach and can feed no one meanwhile. Only the two shallowest levels that have room are
   * offered. With a coordinate, the offer is the joiner's nearest by predicted RTT plus the
   * joiner's own depth penalty (what it will rank them by); without one it is a random spread
   * over those levels, so that simultaneous joiners are not all sent to the same few peers. With
   * `lease`, the first LEASED_PER_OFFER offered slots are reserved for the joiner for LEASE_MS.
   */
  offer(joiner: string, request: OfferRequest = {}): TreeOffer {
    const now = request.now ?? Date.now();
    this.changed(this.leases.expire(now));
    // Asking again voids the joiner's earlier offer.
    if (request.lease) this.changed(this.leases.release(joiner));
    const limit = request.limit ?? OFFER_LIMIT;
    const banned = new Set(request.exclude ?? []).add(joiner);
    const ok = (entry: Entry) => !banned.has(entry.id) && this.ancestry(entry, joiner) === 'rooted';
    const pool = this.pool(ok, this.levelsFor(joiner, request.maxChildren));
    const picked = request.coord
      ? this.nearest(pool, request.coord, limit, ok)
      : this.spread(pool, limit, ok);
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
    const used = Math.max(this.counts.get(entry.id) ?? 0, entry.report.children);
    return Math.max(0, entry.report.maxChildren - used - this.leases.count(entry.id));
  }

  private count(parent: string | null, change: number): void {
    if (!parent) return;
    const count = (this.counts.get(parent) ?? 0) + change;
    if (count > 0) this.counts.set(parent, count);
    else this.counts.delete(parent);
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
  }

  private unindex(entry: Entry): void {
    if (entry.openAt === undefined) return;
    const level = this.open.get(entry.openAt);
    level?.delete(entry);
    if (level?.size === 0) this.open.delete(entry.openAt);
    entry.openAt = undefined;
  }

  /**
   * Whether `entry`'s chain of reported parents reaches the origin ('rooted'), passes through
   * `joiner` first ('below'), or breaks or loops ('detached').
   */
  private ancestry(entry: Entry, joiner: string): 'rooted' | 'below' | 'detached' {
    let at: Entry | undefined = entry;
    for (let steps = 0; at && steps < MAX_WALK; steps++) {
      const parent: string | null = at.report.parent;
      if (parent === null) return 'detached';
      if (parent === joiner) return 'below';
      if (parent === this.originId) return 'rooted';
      if (parent === entry.id) return 'detached';
      at = this.peers.get(parent);
    }
    return 'detached';
  }

  /**
   * Which of the shallowest levels with room a joiner is offered: a peer re-joining with a
   * subtree below it only the shallowest (every level it goes deeper, its whole subtree goes
   * deeper: this is what kept lengthening the tree under churn); a leaf only the second, when
   * there is one; everyone else both.
   */
  private levelsFor(joiner: string, maxChildren: number | undefined): 'first' | 'second' | 'both' {
    if ((this.counts.get(joiner) ?? 0) > 0) return 'first';
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

  /** The `limit` best of `pool` for a joiner at `coord`, by predicted RTT plus depth penalty. */
  private nearest(
    pool: Entry[],
    coord: Coordinate,
    limit: number,
    ok: (entry: Entry) => boolean,
  ): Entry[] {
    // Peers that never sent a coordinate rank after every placed one.
    const score = (entry: Entry) =>
      (entry.coord ? predictRtt(coord, entry.coord) : 1e9) + DEPTH_PENALTY_MS * entry.report.depth;
    // A bounded selection rather than a sort: the pool can hold thousands, the answer a few.
    const keep = Math.min(pool.length, limit * 4);
    const best: { entry: Entry; score: number }[] = [];
    for (const entry of pool) {
      const s = score(entry);
      if (best.length === keep) {
        if (s >= best[keep - 1]!.score) continue;
        best.pop();
      }
      const item = { entry, score: s };
      let i = best.length;
      best.push(item);
      while (i > 0 && best[i - 1]!.score > s) {
        best[i] = best[i - 1]!;
        i--;
      }
      best[i] = item;
    }
    const picked = best.map((item) => item.entry).filter(ok);
    if (picked.length >= limit || keep === pool.length) return picked.slice(0, limit);
    // Most of the nearest were excluded: rank the whole pool.
    return pool
      .filter(ok)
      .sort((a, b) => score(a) - score(b))
      .slice(0, limit);
  }

  /** Up to `limit` distinct random members of `pool` that `ok` accepts. */
  private spread(pool: Entry[], limit: number, ok: (entry: Entry) => boolean): Entry[] {
    const picked = new Set<Entry>();
    const tried = new Set<number>();
    for (let attempts = 0; picked.size < limit && attempts < limit * 8; attempts++) {
      if (tried.size === pool.length) break;
      const index = Math.floor(this.random() * pool.length);
      if (tried.has(index)) continue;
      tried.add(index);
      if (ok(pool[index]!)) picked.add(pool[index]!);
    }
    if (picked.size < limit && tried.size < pool.length) {
      // Unlucky draws in a mostly excluded pool: take the rest in order.
      for (const entry of pool) {
        if (picked.size === limit) break;
        if (!picked.has(entry) && ok(entry)) picked.add(entry);
      }
    }
    return [...picked];
  }
}
