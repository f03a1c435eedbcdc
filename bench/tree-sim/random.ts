/** Seeded randomness: a 32-bit xorshift, seed scrambled so small seeds differ. */

export function makeRandom(seed: number): () => number {
  let state = (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}

/** `count` distinct random members, in random order. */
export function pickSome<T>(items: T[], count: number, random: () => number): T[] {
  if (items.length <= count) return items;
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(random() * items.length));
  return [...picked].map((index) => items[index]!);
}
