/**
 * Where a peer's chain of reported parents leads, as seen by one joiner: to the origin
 * ('rooted'), through the joiner first ('below': attaching there would make a loop), or nowhere
 * ('detached': a parent that is gone, or a loop in stale reports). One offer checks dozens of
 * candidates, and near candidates share most of their chain (a peer's nearest are often its own
 * subtree), so every peer a walk passes gets the walk's answer and the next walk stops there.
 */
export type Ancestry = 'rooted' | 'below' | 'detached';

export interface AncestryNode {
  id: string;
  report: { parent: string | null };
}

/** A peer on the walk in progress: meeting one again is a loop. */
const ON_PATH = 'on-path';

export class AncestryWalk<T extends AncestryNode> {
  private readonly known = new Map<string, Ancestry | typeof ON_PATH>();
  private readonly path: string[] = [];

  /**
   * `lookup`: a peer by id, undefined when unknown. `maxWalk`: a chain longer than this is taken
   * for a loop (the peers on it are then left unmarked).
   */
  constructor(
    private readonly lookup: (id: string) => T | undefined,
    private readonly originId: string,
    private readonly joiner: string,
    private readonly maxWalk: number,
  ) {}

  of(entry: T): Ancestry {
    const { path, known } = this;
    let at: T | undefined = entry;
    let result: Ancestry | undefined;
    for (let steps = 0; steps < this.maxWalk; steps++) {
      if (!at) {
        result = 'detached';
        break;
      }
      const seen = known.get(at.id);
      if (seen) {
        result = seen === ON_PATH ? 'detached' : seen;
        break;
      }
      path.push(at.id);
      known.set(at.id, ON_PATH);
      const parent = at.report.parent;
      // The joiner first: a loop through it (stale reports) still puts its members below it.
      if (parent === this.joiner) result = 'below';
      else if (parent === null) result = 'detached';
      else if (parent === this.originId) result = 'rooted';
      if (result) break;
      at = this.lookup(parent!);
    }
    for (const id of path) {
      if (result) known.set(id, result);
      else known.delete(id);
    }
    path.length = 0;
    return result ?? 'detached';
  }
}
