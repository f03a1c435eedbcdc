/**
 * The origin's picture of the tree, built from the peers' own reports: who hangs below whom, how
 * many free slots each has, and which peers are therefore good parents for a newcomer. Advisory
 * only: a parent enforces its own slots and refuses loops, so a stale view costs a retry, never a
 * broken tree. Pure, so the simulator can drive it with thousands of peers.
 */
import type { CandidateInfo, PeerReport } from '../swarm/messages.js';

interface Entry {
  id: string;
  report: PeerReport;
  seenAt: number;
}

export interface TreeShape {
  size: number;
  depth: number;
}

/** A peer silent for this long is considered gone. */
export const REPORT_TTL_MS = 6_000;

interface Snapshot {
  below: Map<string, string[]>;
  counts: Map<string, number>;
  /** Peers with room whose chain of parents reaches the origin, shallowest first. */
  open: { id: string; depth: number; freeSlots: number }[];
}

/** What a report changes about the tree's shape (as opposed to its counters). */
const shapeOf = (report: PeerReport) =>
  `${report.parent}|${report.depth}|${report.children}|${report.maxChildren}`;

export class TreeView {
  private readonly peers = new Map<string, Entry>();
  /**
   * The tree's shape, derived once and reused until a report changes it: most reports only
   * update counters, and a join must not cost a walk over every peer (at 10,000 peers that walk
   * is milliseconds, and joins and refreshes arrive by the thousand).
   */
  private cached: Snapshot | undefined;

  constructor(
    readonly originId: string,
    private readonly originMaxChildren: number,
  ) {}

  report(id: string, report: PeerReport, now = Date.now()): void {
    if (id === this.originId) return;
    const previous = this.peers.get(id);
    if (!previous || shapeOf(previous.report) !== shapeOf(report)) this.cached = undefined;
    this.peers.set(id, { id, report, seenAt: now });
  }

  forget(id: string): void {
    if (this.peers.delete(id)) this.cached = undefined;
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

  private snapshot(): Snapshot {
    if (this.cached) return this.cached;
    const below = new Map<string, string[]>();
    const counts = new Map<string, number>();
    for (const entry of this.peers.values()) {
      const parent = entry.report.parent;
      if (!parent) continue;
      counts.set(parent, (counts.get(parent) ?? 0) + 1);
      const list = below.get(parent) ?? [];
      list.push(entry.id);
      below.set(parent, list);
    }
    const rooted = walk(below, this.originId);
    const open: Snapshot['open'] = [];
    for (const id of rooted) {
      const entry = this.peers.get(id);
      if (!entry) continue;
      const freeSlots = this.slotsFree(entry, counts);
      if (freeSlots > 0) open.push({ id, depth: entry.report.depth, freeSlots });
    }
    open.sort((a, b) => a.depth - b.depth);
    this.cached = { below, counts, open };
    return this.cached;
  }

  private slotsFree(entry: Entry, counts: Map<string, number>): number {
    const used = Math.max(counts.get(entry.id) ?? 0, entry.report.children);
    return Math.max(0, entry.report.maxChildren - used);
  }

  freeSlots(id: string): number {
    const { counts } = this.snapshot();
    if (id === this.originId) return Math.max(0, this.originMaxChildren - (counts.get(id) ?? 0));
    const entry = this.peers.get(id);
    return entry ? this.slotsFree(entry, counts) : 0;
  }

  /** Everything below `id` (a peer must never attach there). */
  descendants(id: string): Set<string> {
    return walk(this.snapshot().below, id);
  }

  /**
   * Attached peers with free slots, shallowest first, for `joiner`, excluding its own subtree and
   * `exclude`. Only peers whose chain of parents reaches the origin are offered: below a peer that
   * died, a whole subtree waits for its root to re-attach and can feed no one meanwhile. Only the
   * two shallowest levels that have room are offered: deeper ones would only lengthen the tree.
   * Within a level, peers with more free slots come first.
   */
  candidates(joiner: string, exclude: Iterable<string>, limit = 8): Omit<CandidateInfo, 'addrs'>[] {
    const { open } = this.snapshot();
    const banned = new Set([...exclude, joiner]);
    const below = this.descendants(joiner);
    const levels: number[] = [];
    const picked: Omit<CandidateInfo, 'addrs'>[] = [];
    for (const candidate of open) {
      if (banned.has(candidate.id) || below.has(candidate.id)) continue;
      if (!levels.includes(candidate.depth)) {
        if (levels.length === 2) break;
        levels.push(candidate.depth);
      }
      picked.push(candidate);
    }
    return picked.sort((a, b) => a.depth - b.depth || b.freeSlots - a.freeSlots).slice(0, limit);
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
}

/** Every peer below `root` in the child lists, never looping on inconsistent reports. */
function walk(below: Map<string, string[]>, root: string): Set<string> {
  const out = new Set<string>();
  const queue = [root];
  for (let i = 0; i < queue.length; i++) {
    for (const child of below.get(queue[i]!) ?? []) {
      if (out.has(child) || child === root) continue;
      out.add(child);
      queue.push(child);
    }
  }
  return out;
}
