/** Lays the live tree out in rows by depth, each child under its parent's share of the width. Pure. */
export interface LayoutPeer {
  id: string;
  parent: string;
  kind: 'relay' | 'browser' | 'origin';
}

export interface PlacedNode extends LayoutPeer {
  x: number;
  y: number;
  depth: number;
}

export function layoutTree(peers: LayoutPeer[], width: number, rowHeight: number): PlacedNode[] {
  const children = new Map<string, LayoutPeer[]>();
  for (const peer of peers) {
    const list = children.get(peer.parent) ?? [];
    list.push(peer);
    children.set(peer.parent, list);
  }
  const leaves = new Map<string, number>();
  const countLeaves = (id: string, seen: Set<string>): number => {
    if (seen.has(id)) return 1; // reports can be momentarily inconsistent; never loop
    seen.add(id);
    const below = children.get(id) ?? [];
    const count =
      below.length === 0 ? 1 : below.reduce((sum, child) => sum + countLeaves(child.id, seen), 0);
    leaves.set(id, count);
    return count;
  };
  countLeaves('origin', new Set());
  const placed: PlacedNode[] = [];
  const place = (
    peer: LayoutPeer,
    depth: number,
    left: number,
    span: number,
    seen: Set<string>,
  ) => {
    if (seen.has(peer.id)) return;
    seen.add(peer.id);
    placed.push({ ...peer, depth, x: left + span / 2, y: 30 + depth * rowHeight });
    let offset = left;
    for (const child of children.get(peer.id) ?? []) {
      const share = (span * (leaves.get(child.id) ?? 1)) / (leaves.get(peer.id) ?? 1);
      place(child, depth + 1, offset, share, seen);
      offset += share;
    }
  };
  place({ id: 'origin', parent: '', kind: 'origin' }, 0, 0, width, new Set());
  return placed;
}
