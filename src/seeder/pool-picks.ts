/**
 * Picking a few out of a pool of free peers: the nearest by a score, or a random spread. Generic
 * and pure (randomness is passed in), for the coordinator's offers.
 */

/** The `limit` members of `pool` with the lowest `score` that `ok` accepts, lowest first. */
export function nearestOf<T>(
  pool: readonly T[],
  score: (item: T) => number,
  limit: number,
  ok: (item: T) => boolean,
): T[] {
  // A bounded selection rather than a sort: the pool can hold thousands, the answer a few.
  const keep = Math.min(pool.length, limit * 4);
  const best: { item: T; score: number }[] = [];
  for (const item of pool) {
    const s = score(item);
    if (best.length === keep) {
      if (s >= best[keep - 1]!.score) continue;
      best.pop();
    }
    const entry = { item, score: s };
    let i = best.length;
    best.push(entry);
    while (i > 0 && best[i - 1]!.score > s) {
      best[i] = best[i - 1]!;
      i--;
    }
    best[i] = entry;
  }
  const picked = best.map((entry) => entry.item).filter(ok);
  if (picked.length >= limit || keep === pool.length) return picked.slice(0, limit);
  // Most of the nearest were excluded: rank the whole pool.
  return pool
    .filter(ok)
    .sort((a, b) => score(a) - score(b))
    .slice(0, limit);
}

/** Up to `limit` distinct random members of `pool` that `ok` accepts. */
export function spreadOf<T>(
  pool: readonly T[],
  limit: number,
  ok: (item: T) => boolean,
  random: () => number,
): T[] {
  const picked = new Set<T>();
  const tried = new Set<number>();
  for (let attempts = 0; picked.size < limit && attempts < limit * 8; attempts++) {
    if (tried.size === pool.length) break;
    const index = Math.floor(random() * pool.length);
    if (tried.has(index)) continue;
    tried.add(index);
    if (ok(pool[index]!)) picked.add(pool[index]!);
  }
  if (picked.size < limit && tried.size < pool.length) {
    // Unlucky draws in a mostly excluded pool: take the rest in order.
    for (const item of pool) {
      if (picked.size === limit) break;
      if (!picked.has(item) && ok(item)) picked.add(item);
    }
  }
  return [...picked];
}

/** A set with uniform random picks in O(1): an array with swap-removal and an index. */
export class RandomSet<T> {
  private readonly items: T[] = [];
  private readonly at = new Map<T, number>();

  add(item: T): void {
    if (this.at.has(item)) return;
    this.at.set(item, this.items.length);
    this.items.push(item);
  }

  delete(item: T): void {
    const index = this.at.get(item);
    if (index === undefined) return;
    const last = this.items.pop()!;
    if (last !== item) {
      this.items[index] = last;
      this.at.set(last, index);
    }
    this.at.delete(item);
  }

  /** Up to `count` distinct random members that `ok` accepts, none of `skip`; a bounded try. */
  pick(count: number, ok: (item: T) => boolean, skip: ReadonlySet<T>, random: () => number): T[] {
    const out: T[] = [];
    const taken = new Set(skip);
    for (let tries = 0; out.length < count && tries < count * 8; tries++) {
      if (this.items.length === 0) break;
      const item = this.items[Math.floor(random() * this.items.length)]!;
      if (taken.has(item) || !ok(item)) continue;
      taken.add(item);
      out.push(item);
    }
    return out;
  }
}
