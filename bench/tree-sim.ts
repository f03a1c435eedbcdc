/**
 * bench:tree:sim — the distribution-tree algorithm alone, in one process, over a simulated network.
 * The real TreeView (the origin's coordinator) and rankCandidates (the joiner's choice) drive N
 * simulated peers; what TreeMember, LiveServer and peer.ts do around them (slot limits and loop
 * refusal at the parent, a parentless peer's subtree waiting dark until its silence timeout,
 * backups and their 8 s refresh, failure memory, back-off, timeouts, 2 s reports) is modelled
 * event by event with the same constants, and so is the origin answering joins one at a time.
 * Deterministic for a given seed.
 *
 *   npm run bench:tree:sim -- [--peers 1000,3000,10000] [--minutes 10] [--churn 0.1] [--seed 1]
 *     [--origin-slots 4] [--join-seconds 60] [--silent 0] [--lazy-reports] [--settle 30]
 *     [--coord-us-per-join 50] [--oracle none|all|joiners|settled|heights]
 *
 * Each run prints its figures; with several sizes, a last table puts them beside the targets of
 * issue 11 (join p50 <= 1 s, p95 <= 3 s, >= 99.9 % receiving, depth <= ceil(log_k N) + 2,
 * parent RTT <= 1.3x the nearest free peer's).
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ORACLES, type Oracle, type Summary, type TreeSimResult } from './tree-sim/contract.js';
import { DEFAULT_COORDINATOR_US_PER_JOIN, MEAN_CAPACITY } from './tree-sim/model.js';
import { simulateTree } from './tree-sim/simulate.js';

function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The targets, each as [name, figure of a run, whether it passes]. */
function targets(r: TreeSimResult): [string, string, boolean][] {
  const live = r.final.length;
  const receiving = r.final.filter((peer) => peer.connected).length;
  const share = live === 0 ? 0 : receiving / live;
  const depth = Math.max(r.depthFinal.max, r.depthAtChurnEnd.max);
  return [
    ['join p50 <= 1 s', `${(r.joinMs.p50 / 1000).toFixed(2)} s`, r.joinMs.p50 <= 1000],
    ['join p95 <= 3 s', `${(r.joinMs.p95 / 1000).toFixed(2)} s`, r.joinMs.p95 <= 3000],
    [
      'receiving at end >= 99.9 %',
      `${(100 * share).toFixed(2)} % (${live - receiving} not)`,
      share >= 0.999,
    ],
    ['depth <= ceil(log_k N) + 2', `${depth} (bound ${r.depthBound})`, depth <= r.depthBound],
    ['parent RTT / nearest free, p50 <= 1.3', r.rttRatio.p50.toFixed(2), r.rttRatio.p50 <= 1.3],
    ['  (same, p95; not a target)', r.rttRatio.p95.toFixed(2), true],
    ['  (at the end, after moves, p50)', r.rttRatioFinal.p50.toFixed(2), true],
  ];
}

function main(): void {
  const { values } = parseArgs({
    options: {
      peers: { type: 'string', default: '10000' },
      minutes: { type: 'string', default: '10' },
      churn: { type: 'string', default: '0.1' },
      seed: { type: 'string', default: '1' },
      'origin-slots': { type: 'string', default: '4' },
      silent: { type: 'string', default: '0' },
      'lazy-reports': { type: 'boolean', default: false },
      settle: { type: 'string', default: '30' },
      'join-seconds': { type: 'string', default: '60' },
      'coord-us-per-join': {
        type: 'string',
        default: String(DEFAULT_COORDINATOR_US_PER_JOIN),
      },
      oracle: { type: 'string', default: 'none' },
    },
  });
  if (!ORACLES.includes(values.oracle as Oracle)) {
    console.error(`--oracle: expected one of ${ORACLES.join(', ')}, got "${values.oracle}"`);
    process.exit(2);
  }
  const results: TreeSimResult[] = [];
  for (const peers of values.peers.split(',').map(Number)) {
    results.push(runOne(peers, values));
    console.log('');
  }
  if (results.length < 2) return;
  const rows = targets(results[0]!).map(([name]) => [name]);
  for (const r of results) {
    targets(r).forEach(([, figure, pass], i) =>
      rows[i]!.push(i === 5 ? figure : `${figure} ${pass ? 'pass' : 'MISS'}`),
    );
  }
  console.log(
    formatTable([['target', ...results.map((r) => `${r.options.peers} peers`)], ...rows]),
  );
}

type Values = {
  minutes: string;
  churn: string;
  seed: string;
  'origin-slots': string;
  silent: string;
  'lazy-reports': boolean;
  settle: string;
  'join-seconds': string;
  'coord-us-per-join': string;
  oracle: string;
};

function runOne(peers: number, values: Values): TreeSimResult {
  const started = performance.now();
  const r = simulateTree({
    peers,
    minutes: Number(values.minutes),
    churn: Number(values.churn),
    seed: Number(values.seed),
    originMaxChildren: Number(values['origin-slots']),
    silentLeaveFraction: Number(values.silent),
    eagerReports: !values['lazy-reports'],
    settleMs: Number(values.settle) * 1000,
    joinWindowMs: Number(values['join-seconds']) * 1000,
    coordinatorUsPerJoin: Number(values['coord-us-per-join']),
    oracle: values.oracle as Oracle,
  });
  const wallMs = performance.now() - started;

  const n = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
  const dist = (name: string, s: Summary, digits = 0) => [
    name,
    n(s.p50, digits),
    n(s.p95, digits),
    n(s.max, digits),
    String(s.count),
  ];
  const one = (name: string, value: string) => [name, value, '', '', ''];
  const o = r.options;
  const notReceiving = r.final.filter((peer) => !peer.connected).length;
  console.log(
    `peers ${o.peers}, minutes ${o.minutes}, churn ${o.churn}/min, seed ${o.seed}, ` +
      `joins over ${o.joinWindowMs / 1000} s, origin slots ${o.originMaxChildren}, silent leavers ${o.silentLeaveFraction}, ` +
      `eager reports ${o.eagerReports}, settle ${o.settleMs / 1000} s, ` +
      `coordinator ${o.coordinatorUsPerJoin} us/join, mean capacity ${MEAN_CAPACITY.toFixed(2)}` +
      (o.oracle === 'none' ? '' : `, ORACLE ${o.oracle} (a diagnosis: coordinates partly exact)`),
  );
  console.log(
    formatTable([
      ['metric', 'p50', 'p95', 'max', 'n'],
      dist('depth, final (receiving peers)', r.depthFinal),
      dist('depth, at end of churn', r.depthAtChurnEnd),
      dist('join ms (arrive -> receiving)', r.joinMs),
      dist('coordinator queries per join', r.queriesPerJoin),
      dist('repair ms (loss noticed -> attached)', r.repairMs),
      dist('outage ms (stream lost -> back)', r.outageMs),
      dist('parent RTT / nearest free RTT', r.rttRatio, 2),
      dist('  ... / nearest free within the budget', r.withinBudgetRttRatio, 2),
      dist('  ... at the end, after moves', r.rttRatioFinal, 2),
      one('moves to a nearer parent (refused)', `${r.moves} (${r.movesRefused})`),
      dist('receiving peers cut off per leave', r.cutOffPerLeave),
      one('max depth ever', String(r.maxDepthEver)),
      one('peers ever / live at end', `${r.peersEver} / ${r.final.length}`),
      one('peers orphaned > 2 s', `${(100 * r.orphanedOver2s).toFixed(1)} %`),
      one('outages > 2 s', String(r.outagesOver2s)),
      one(
        'not receiving: peak / churn end / final',
        `${r.peakNotReceiving} / ${r.notReceivingAtChurnEnd} / ${notReceiving}`,
      ),
      one('origin children', `${r.originChildren} / ${r.originMaxChildren}`),
      one(
        'attach rejects full/loop/refused/dead',
        `${r.rejects.full}/${r.rejects.loop}/${r.rejects.refused}/${r.rejects.dead}`,
      ),
      one(
        'coordinator answers (peak/s), refreshes',
        `${r.coordinatorQueries} (${r.peakQueriesPerSecond}), ${r.refreshQueries}`,
      ),
      one(
        'coordinator timeouts, longest queue ms',
        `${r.coordinatorTimeouts}, ${r.maxCoordinatorQueueMs.toFixed(0)}`,
      ),
      one(
        'TreeView.offer calls, us each (wall)',
        `${r.treeViewCalls}, ${r.offerUsPerCall.toFixed(1)}`,
      ),
      one('first joins asking again, placed', String(r.secondAsks)),
      one('events', String(r.events)),
      one('wall-clock s', (wallMs / 1000).toFixed(1)),
    ]),
  );
  console.log('');
  console.log(
    formatTable([
      ['target', 'figure', ''],
      ...targets(r).map(([a, b, c]) => [a, b, c ? 'pass' : 'MISS']),
    ]),
  );
  return r;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
