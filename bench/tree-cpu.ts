/**
 * bench:tree:cpu — what a join costs the origin: the real TreeView, filled with N peers in a
 * breadth-first tree of the simulator's capacities and placed at random coordinates, answers join
 * requests (a new joiner with a coordinate, leasing) interleaved with the reports every peer sends
 * every 2 s. Prints wall and CPU microseconds per join (process.cpuUsage, user + system) and the
 * joins per second one core sustains at that cost. TreeView only: the libp2p stream and the JSON
 * around each answer are extra.
 *
 *   npx tsx bench/tree-cpu.ts [--peers 1000,3000,10000] [--joins 20000]
 */
import { parseArgs } from 'node:util';
import { TreeView } from '../src/seeder/tree-view.js';
import type { PeerReport } from '../src/swarm/messages.js';
import { positionReport } from '../test/helpers/position-report.js';
import { CAPACITIES } from './tree-sim/model.js';
import { makeRandom } from './tree-sim/random.js';

function report(parent: string, depth: number, maxChildren: number, children: number): PeerReport {
  return positionReport({ parent, depth, maxChildren, children });
}

interface Cost {
  wallUs: number;
  cpuUs: number;
  offerWallUs: number;
  offerCpuUs: number;
  reports: number;
}

function measure(peers: number, joins: number): Cost {
  const random = makeRandom(peers);
  const view = new TreeView('origin', 4, random);
  const capacity = () => {
    let pick = random();
    for (const [slots, weight] of CAPACITIES) if ((pick -= weight) < 0) return slots;
    return 0;
  };
  // Breadth-first: each peer hangs below the first peer with a free slot.
  const tree: { id: string; depth: number; max: number; children: number }[] = [
    { id: 'origin', depth: 0, max: 4, children: 0 },
  ];
  let next = 0;
  for (let i = 0; i < peers; i++) {
    while (tree[next]!.children >= tree[next]!.max) next++;
    const parent = tree[next]!;
    parent.children += 1;
    tree.push({ id: `p${i}`, depth: parent.depth + 1, max: capacity(), children: 0 });
  }
  const at = (i: number) => tree[1 + (i % peers)]!;
  const send = (i: number, now: number) => {
    const peer = at(i);
    view.report(peer.id, report(parentOf.get(peer.id)!, peer.depth, peer.max, peer.children), now);
  };
  const parentOf = new Map<string, string>();
  next = 0;
  const fill = tree.map((p) => ({ ...p, children: 0 }));
  for (const peer of tree.slice(1)) {
    while (fill[next]!.children >= fill[next]!.max) next++;
    fill[next]!.children += 1;
    parentOf.set(peer.id, fill[next]!.id);
  }
  for (let i = 0; i < peers; i++) {
    send(i, 0);
    view.locate(at(i).id, { x: random() * 200, y: random() * 200, h: random() * 12, e: 0.2 });
  }
  // Reports arrive at peers / 2 per second and joins at whatever rate: per join, the reports
  // of the same stretch of time at 100 joins per second.
  const reportsPerJoin = Math.max(1, Math.round(peers / 2 / 100));
  let now = 1;
  let reported = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let offerMs = 0;
  for (let j = 0; j < joins; j++) {
    now += 10;
    for (let r = 0; r < reportsPerJoin; r++) send(reported++, now);
    const before = performance.now();
    view.offer(`joiner${j}`, {
      coord: { x: random() * 200, y: random() * 200, h: random() * 12, e: 0.3 },
      lease: true,
      maxChildren: capacity(),
      now,
    });
    offerMs += performance.now() - before;
  }
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / joins;
  // CPU of the offer alone, split from the reports' by their shares of the wall time.
  return {
    wallUs: (1000 * wallMs) / joins,
    cpuUs,
    offerWallUs: (1000 * offerMs) / joins,
    offerCpuUs: (cpuUs * offerMs) / wallMs,
    reports: reportsPerJoin,
  };
}

const { values } = parseArgs({
  options: {
    peers: { type: 'string', default: '1000,3000,10000' },
    joins: { type: 'string', default: '20000' },
  },
});
const rows = [
  [
    'peers',
    'offer wall us',
    'offer CPU us',
    'joins/s per core',
    'reports per join',
    'with reports: wall us',
    'CPU us',
  ],
];
for (const peers of values.peers.split(',').map(Number)) {
  measure(peers, 2000); // warm-up: let the JIT settle
  const c = measure(peers, Number(values.joins));
  rows.push([
    String(peers),
    c.offerWallUs.toFixed(1),
    c.offerCpuUs.toFixed(1),
    String(Math.round(1e6 / c.offerCpuUs)),
    String(c.reports),
    c.wallUs.toFixed(1),
    c.cpuUs.toFixed(1),
  ]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
