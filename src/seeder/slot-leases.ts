/**
 * Slot leases: when the coordinator offers a joiner a parent's free slot, it reserves that slot
 * for the joiner for a short while, so the next joiners are offered other slots instead of all
 * racing for the same one (the herding that made joins retry for minutes at 10,000 peers). A
 * lease is advisory, like the rest of the origin's view: the parent still decides the attach.
 * It ends when the joiner reports a parent, asks again, leaves, or after `ttlMs`. The idea is the
 * lease of Gray and Cheriton (SOSP 1989): a grant that expires on its own, so a joiner that
 * vanishes never holds a slot for longer than the term.
 */

interface Lease {
  parents: string[];
  until: number;
}

export class SlotLeases {
  private readonly byJoiner = new Map<string, Lease>();
  /** Leased slots per parent. */
  private readonly held = new Map<string, number>();
  /** Leases in the order they end (all have the same term), for expiry without a scan. */
  private readonly queue: { joiner: string; until: number }[] = [];
  private head = 0;

  constructor(readonly ttlMs: number) {}

  /** Slots of `parent` leased to joiners right now. */
  count(parent: string): number {
    return this.held.get(parent) ?? 0;
  }

  get size(): number {
    return this.byJoiner.size;
  }

  /**
   * Leases one slot at each of `parents` to `joiner` until `now + ttlMs`, replacing any lease it
   * held. Returns every parent whose count changed.
   */
  grant(joiner: string, parents: string[], now: number): string[] {
    const changed = this.release(joiner);
    if (parents.length === 0) return changed;
    const until = now + this.ttlMs;
    this.byJoiner.set(joiner, { parents, until });
    this.queue.push({ joiner, until });
    for (const parent of parents) this.held.set(parent, this.count(parent) + 1);
    return [...changed, ...parents];
  }

  /** Ends `joiner`'s lease; returns the parents whose count changed. */
  release(joiner: string): string[] {
    const lease = this.byJoiner.get(joiner);
    if (!lease) return [];
    this.byJoiner.delete(joiner);
    for (const parent of lease.parents) {
      const left = this.count(parent) - 1;
      if (left > 0) this.held.set(parent, left);
      else this.held.delete(parent);
    }
    return lease.parents;
  }

  /** Ends every lease whose term is over; returns the parents whose count changed. */
  expire(now: number): string[] {
    const changed: string[] = [];
    while (this.head < this.queue.length && this.queue[this.head]!.until <= now) {
      const { joiner, until } = this.queue[this.head++]!;
      // A joiner that asked again since holds a newer lease: that one is not due.
      if (this.byJoiner.get(joiner)?.until === until) changed.push(...this.release(joiner));
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return changed;
  }
}
