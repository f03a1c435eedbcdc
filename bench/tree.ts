/**
 * bench:tree — a seeder and N relay processes on 127.0.0.1 at a fixed bitrate. Prints the origin's
 * share of all media bytes delivered, latency from signing at the origin to verified at each depth
 * (and what each hop adds), repair time after killing a relay, and relay RSS and CPU per relayed
 * Mb/s.
 *
 *   npm run bench:tree -- [--relays 12] [--seconds 30] [--bitrate 2000k] [--max-children 3]
 *   npm run bench:tree -- --simulate 10000   (the tree algorithm alone; see tree-sim.ts)
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { ApiStats, PeerStats } from '../src/contracts/stats.js';
import { getJson } from '../test/helpers/http.js';
import { startRelay, type RelayProcess } from '../test/helpers/swarm.js';
import { percentile, startBenchSeeder } from './bench-kit.js';
import { procUsage } from './proc-usage.js';

const { values } = parseArgs({
  options: {
    relays: { type: 'string', default: '12' },
    seconds: { type: 'string', default: '30' },
    bitrate: { type: 'string', default: '2000k' },
    resolution: { type: 'string', default: '1280x720' },
    'max-children': { type: 'string', default: '3' },
    simulate: { type: 'string' },
  },
  allowPositionals: true,
});

if (values.simulate) {
  // The algorithm-only simulation lives in its own script; hand over to it.
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bench/tree-sim.ts', '--peers', values.simulate],
    {
      stdio: 'inherit',
    },
  );
  process.exit(result.status ?? 1);
}

const relayCount = Number(values.relays);
const seconds = Number(values.seconds);
const fanout = values['max-children'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const delivered = (peers: PeerStats[]) =>
  peers.reduce((sum, p) => sum + p.bytesFromPeers + p.bytesFromOrigin, 0);

const seeder = await startBenchSeeder([
  '--max-children',
  fanout,
  '--video-bitrate',
  values.bitrate,
  '--resolution',
  values.resolution,
]);
const relays: RelayProcess[] = [];
try {
  const url = seeder.url;
  const stats = () => getJson<ApiStats>(`${url}/api/stats`);
  while ((await stats()).segmentsPublished === 0) await sleep(250);
  for (let i = 0; i < relayCount; i += 4) {
    const batch = Math.min(4, relayCount - i);
    relays.push(
      ...(await Promise.all(
        Array.from({ length: batch }, () => startRelay(url, ['--max-children', fanout])),
      )),
    );
  }
  await sleep(5_000); // settle: every relay attached and streaming

  const before = await stats();
  const cpuBefore = new Map(relays.map((r) => [r.id, procUsage(r.cli.child.pid!).cpuSeconds]));
  const samples = new Map<number, { p50: number[]; p95: number[] }>();
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    await sleep(2_000);
    for (const peer of (await stats()).peers) {
      const entry = samples.get(peer.depth) ?? { p50: [], p95: [] };
      entry.p50.push(peer.originLatencyMs);
      entry.p95.push(peer.originLatencyP95Ms);
      samples.set(peer.depth, entry);
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  const after = await stats();
  const originSent = after.originBytes.swarm - before.originBytes.swarm;
  const total = delivered(after.peers) - delivered(before.peers);
  const relayedMbps =
    ((after.peers.reduce((s, p) => s + p.bytesUploaded, 0) -
      before.peers.reduce((s, p) => s + p.bytesUploaded, 0)) *
      8) /
    elapsed /
    1e6;
  const streamMbps = (total * 8) / elapsed / 1e6 / Math.max(1, after.peers.length);
  const cpu = relays.map(
    (r) => (procUsage(r.cli.child.pid!).cpuSeconds - cpuBefore.get(r.id)!) / elapsed,
  );
  const rss = relays.map((r) => procUsage(r.cli.child.pid!).rssBytes / 2 ** 20);

  // Repair: kill a relay that feeds others and read its children's own repair times.
  const victim = relays.find((r) => after.peers.some((p) => p.parent === r.id));
  const repairs: number[] = [];
  if (victim) {
    const orphans = relays.filter((r) =>
      after.peers.some((p) => p.id === r.id && p.parent === victim.id),
    );
    victim.cli.child.kill('SIGKILL');
    for (const orphan of orphans) {
      const match = await orphan.cli
        .waitFor(/re-attached (\d+) ms after losing/, 10_000)
        .catch(() => undefined);
      if (match) repairs.push(Number(match[1]));
    }
  }

  console.log(
    `bench:tree  ${new Date().toISOString()}  ${relayCount} relay processes + seeder on one 2-core machine, --max-children ${fanout}`,
  );
  console.log(
    `stream: target ${values.bitrate} ${values.resolution}, measured ${streamMbps.toFixed(2)} Mb/s per viewer; ${seconds} s window; tree depth ${after.tree.depth}`,
  );
  console.log('');
  console.log(
    `origin share of media bytes delivered: ${((100 * originSent) / total).toFixed(1)} %  (target <= ${fanout}/${relayCount} = ${((100 * Number(fanout)) / relayCount).toFixed(1)} %)`,
  );
  console.log('');
  console.log('depth  peers  origin->verified p50 ms  p95 ms  per hop p50 ms');
  for (const depth of [...samples.keys()].sort((a, b) => a - b)) {
    const entry = samples.get(depth)!;
    const p50 = percentile(entry.p50, 0.5);
    console.log(
      `${String(depth).padStart(5)}  ${String(after.peers.filter((p) => p.depth === depth).length).padStart(5)}  ${p50.toFixed(1).padStart(22)}  ${percentile(entry.p95, 0.95).toFixed(1).padStart(6)}  ${(p50 / depth).toFixed(1).padStart(14)}`,
    );
  }
  console.log('');
  console.log(
    `repair after SIGKILL of a relay with ${repairs.length} children: ${repairs.map((ms) => `${ms} ms`).join(', ') || 'n/a'}`,
  );
  console.log(
    `relay RSS: median ${percentile(rss, 0.5).toFixed(0)} MiB, max ${Math.max(...rss).toFixed(0)} MiB`,
  );
  console.log(
    `relay CPU: median ${(100 * percentile(cpu, 0.5)).toFixed(1)} % of a core; all relays together ${(100 * cpu.reduce((a, b) => a + b, 0)).toFixed(0)} % for ${relayedMbps.toFixed(1)} Mb/s relayed = ${((100 * cpu.reduce((a, b) => a + b, 0)) / relayedMbps).toFixed(1)} % of a core per relayed Mb/s`,
  );
} finally {
  await Promise.all(relays.map((r) => r.cli.stop()));
  await seeder.stop();
}
