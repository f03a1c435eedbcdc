import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AncestryWalk, type Ancestry, type AncestryNode } from '../../src/seeder/tree-ancestry.js';

const ORIGIN = 'origin';

function nodes(parents: Record<string, string | null>): Map<string, AncestryNode> {
  return new Map(Object.entries(parents).map(([id, parent]) => [id, { id, report: { parent } }]));
}

/** The walk without memory, one step at a time, as the definition reads. */
function naive(peers: Map<string, AncestryNode>, entry: AncestryNode, joiner: string): Ancestry {
  const seen = new Set<string>();
  for (let at: AncestryNode | undefined = entry; at; at = peers.get(at.report.parent!)) {
    seen.add(at.id);
    const parent = at.report.parent;
    if (parent === joiner) return 'below';
    if (parent === null || seen.has(parent)) return 'detached';
    if (parent === ORIGIN) return 'rooted';
  }
  return 'detached';
}

describe('AncestryWalk', () => {
  it('tells rooted, below the joiner, and detached apart', () => {
    const peers = nodes({
      a: ORIGIN,
      b: 'a',
      c: 'b',
      d: 'gone',
      e: 'd',
      x: 'y',
      y: 'x',
      z: null,
    });
    const walk = new AncestryWalk((id) => peers.get(id), ORIGIN, 'b', 1000);
    const of = (id: string) => walk.of(peers.get(id)!);
    expect(of('c')).toBe('below');
    expect(of('a')).toBe('rooted');
    expect(of('b')).toBe('rooted');
    expect(of('e')).toBe('detached');
    expect(of('x')).toBe('detached');
    expect(of('z')).toBe('detached');
  });

  it('gives every peer the same answer as a walk without memory, in any order of asking', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const parent = fc.constantFrom<string | null>(ORIGIN, null, 'gone', ...ids);
    fc.assert(
      fc.property(
        fc.array(parent, { minLength: ids.length, maxLength: ids.length }),
        fc.constantFrom(...ids),
        fc.shuffledSubarray(ids, { minLength: ids.length }),
        (parents, joiner, order) => {
          const peers = nodes(Object.fromEntries(ids.map((id, i) => [id, parents[i]!])));
          const walk = new AncestryWalk((id) => peers.get(id), ORIGIN, joiner, 1000);
          for (const id of order) {
            expect(walk.of(peers.get(id)!)).toBe(naive(peers, peers.get(id)!, joiner));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
