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

export class TreeView {
  private readonly peers = new Map<string, Entry>();

  constructor(
    readonly originId: string,
    private readonly originMaxChildren: number,
  ) {}

  report(id: string, report: PeerReport, now = Date.now()): void {
    if (id === this.originId) return;
    this.peers.set(id, { id, report, seenAt: now });
  }

  forget(id: string): void {
    this.peers.delete(id);
  }

  /** Drops peers that stopped reporting. */
  expire(now = Date.now()): void {
    for (const [id, entry] of this.peers)
      if (now - entry.seenAt > REPORT_TTL_MS) this.peers.delete(id);
  }

  entries(): { id: string; report: PeerReport }[] {
    return [...this.peers.values()];
  }

  /** Children per parent, counted from the children's own reports. */
  private childCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { report } of this.peers.values()) {
      if (report.parent) counts.set(report.parent, (counts.get(report.parent) ?? 0) + 1);
    }
    return counts;
  }

  freeSlots(id: string, counts = this.childCounts()): number {
    if (id === this.originId) return Math.max(0, this.originMaxChildren - (counts.get(id) ?? 0));
    const entry = this.peers.get(id);
    if (!entry) return 0;
    const used = Math.max(counts.get(id) ?? 0, entry.report.children);
    return Math.max(0, entry.report.maxChildren - used);
  }

  /** Everything below `id` (a peer must never attach there). */
  descendants(id: string): Set<string> {
    const below = new Map<string, string[]>();
    for (const entry of this.peers.values()) {
      const parent = entry.report.parent;
      if (!parent) continue;
      const list = below.get(parent) ?? [];
      list.push(entry.id);
      below.set(parent, list);
    }
    const out = new Set<string>();
    const queue = [id];
    while (queue.length > 0) {
      for (const child of below.get(queue.shift()!) ?? []) {
        if (out.has(child)) continue;
        out.add(child);
        queue.push(child);
      }
    }
    return out;
  }

  /**
   * Attached peers with free slots, shallowest first, for `joiner`, excluding its own subtree and
   * `exclude`. Only peers whose chain of parents reaches the origin are offered: below a peer that
   * died, a whole subtree waits for its root to re-attach and can feed no one meanwhile. Only the
   * two shallowest levels that have room are offered: deeper ones would only lengthen the tree.
   */
  candidates(joiner: string, exclude: Iterable<string>, limit = 8): Omit<CandidateInfo, 'addrs'>[] {
    const counts = this.childCounts();
    const banned = new Set([...exclude, joiner, ...this.descendants(joiner)]);
    const rooted = this.descendants(this.originId);
    const open = [...this.peers.values()]
      .filter((entry) => rooted.has(entry.id) && !banned.has(entry.id))
      .map((entry) => ({
        id: entry.id,
        depth: entry.report.depth,
        freeSlots: this.freeSlots(entry.id, counts),
      }))
      .filter((candidate) => candidate.freeSlots > 0)
      .sort((a, b) => a.depth - b.depth || b.freeSlots - a.freeSlots);
    const levels = [...new Set(open.map((candidate) => candidate.depth))].slice(0, 2);
    return open.filter((candidate) => levels.includes(candidate.depth)).slice(0, limit);
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
