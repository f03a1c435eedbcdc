/**
 * bench:p2p — the same live stream, the same viewers, the same duration, three ways in one run:
 * Swarmcast's player; hls.js with p2p-media-loader 2 (its defaults, and tuned for live 1 s
 * segments) announcing to a local WebSocket tracker without STUN; and plain hls.js over HTTP.
 * Origin egress is counted at the origin itself.
 *
 *   npm run bench:p2p -- [--viewers 4,8] [--seconds 30,120] [--bitrate 1000k] [--resolution 640x360]
 *
 * Each duration is a separate set of runs: startup costs (every page's first segments, fetched
 * while it joins) weigh on a short run, and a longer one shows the steady state.
 */
import { build } from 'esbuild';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Server as TrackerServer } from 'bittorrent-tracker';
import type { Browser, Page } from 'playwright-core';
import type { PlayerStats } from '../src/player/player-stats.js';
import { launchChromium } from '../test/helpers/chromium.js';
import { originStats } from '../test/helpers/swarm.js';
import { percentile, startBenchSeeder } from './bench-kit.js';
import { watchPageCpu, watchProcessCpu, type PageCpu } from './page-cpu.js';

const { values } = parseArgs({
  options: {
    viewers: { type: 'string', default: '4,8' },
    seconds: { type: 'string', default: '30,120' },
    bitrate: { type: 'string', default: '1000k' },
    resolution: { type: 'string', default: '640x360' },
    modes: { type: 'string', default: 'swarmcast,pml-default,pml-tuned,plain' },
  },
});
const viewerCounts = values.viewers.split(',').map(Number);
const durations = values.seconds.split(',').map(Number);
if (durations.some((d) => !(d > 0)))
  throw new Error(`--seconds takes durations in seconds, e.g. 30,120`);
const ALL_MODES = ['swarmcast', 'pml-default', 'pml-tuned', 'plain'] as const;
type Mode = (typeof ALL_MODES)[number];
const MODES = values.modes.split(',').map((name) => {
  if (!(ALL_MODES as readonly string[]).includes(name))
    throw new Error(`unknown mode "${name}" (modes: ${ALL_MODES.join(', ')})`);
  return name as Mode;
});

interface PageFigures {
  startupMs: number | null;
  latency: number | null;
  stalls: number;
  stallSeconds: number;
  played: number;
  /** Swarmcast only: from starting to join (after the first frame) to joined the tree. */
  joinMs?: number | null;
  /** Swarmcast only: from page load to joined the tree. */
  joinFromLoadMs?: number | null;
}

/** Join p50 / p95, counted from the start of joining, and from page load in brackets. */
function joinFigures(results: PageFigures[]): string {
  const p = (values: number[], q: number) => String(percentile(values, q));
  const join = results.map((r) => r.joinMs ?? Infinity);
  const fromLoad = results.map((r) => r.joinFromLoadMs ?? Infinity);
  return `${p(join, 0.5)} / ${p(join, 0.95)} (${p(fromLoad, 0.5)} / ${p(fromLoad, 0.95)})`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// The comparison page, bundled for the browser.
const pagesDir = mkdtempSync(join(tmpdir(), 'swarmcast-bench-p2p-'));
await build({
  entryPoints: ['bench/pages/compare-player.ts'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  outfile: join(pagesDir, 'compare-player.js'),
  define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  // p2p-media-loader's WebTorrent-era dependencies expect a tiny `process`.
  banner: {
    js: 'globalThis.process ??= { env: {}, browser: true, nextTick: (f, ...a) => queueMicrotask(() => f(...a)) };',
  },
  logLevel: 'error',
});
writeFileSync(join(pagesDir, 'compare.html'), readFileSync('bench/pages/compare.html'));
const pageServer = createServer((req, res) => {
  const name = new URL(req.url ?? '/', 'http://x').pathname.slice(1) || 'compare.html';
  if (!['compare.html', 'compare-player.js'].includes(name)) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/html' });
  res.end(readFileSync(join(pagesDir, name)));
});
await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
const pagesBase = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;

const tracker = new TrackerServer({ udp: false, http: false, ws: true, stats: false });
await new Promise<void>((resolve) => tracker.listen(0, '127.0.0.1', resolve));
const trackerUrl = `ws://127.0.0.1:${(tracker.http!.address() as AddressInfo).port}`;

const seeder = await startBenchSeeder([
  '--max-children',
  '1',
  '--video-bitrate',
  values.bitrate,
  '--resolution',
  values.resolution,
]);
const browsers: Browser[] = [];
const stopAll = async () => {
  for (const browser of browsers) await browser.close().catch(() => undefined);
  await seeder.stop();
  tracker.close();
  pageServer.close();
  rmSync(pagesDir, { recursive: true, force: true });
};
// Ctrl-C (or a timeout's SIGTERM) still stops the seeder and the browsers this run started.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void stopAll().finally(() => process.exit(130)));
try {
  const origin = seeder.url;
  while ((await originStats(origin)).segmentsPublished < 4) await sleep(500);
  browsers.push(await launchChromium(), await launchChromium());

  const urlFor = (mode: Mode) =>
    mode === 'swarmcast'
      ? `${origin}/`
      : `${pagesBase}/compare.html?mode=${mode}&src=${encodeURIComponent(`${origin}/live/main/index.m3u8`)}&tracker=${encodeURIComponent(trackerUrl)}`;

  const figures = async (page: Page, mode: Mode): Promise<PageFigures> => {
    if (mode === 'swarmcast') {
      const s: PlayerStats = await page.evaluate(() => window.swarmcast.stats());
      console.error(
        `  page: join ${s.joinMs} ms after load (started at ${s.joinStartedMs} ms), startup ${s.startupMs} ms, depth ${s.swarm.depth}, ` +
          `${(s.bytesFrom.http / 1e3).toFixed(0)} kB http / ${(s.bytesFrom.peers / 1e3).toFixed(0)} kB peers, ` +
          `stalls ${s.stalls}${s.stalls > 0 ? ` (longest ${s.longestStallSeconds.toFixed(2)} s)` : ''}`,
      );
      return {
        startupMs: s.startupMs,
        latency: s.liveLatency,
        stalls: s.stalls,
        stallSeconds: s.stallSeconds,
        played: s.bytesLoaded,
        joinMs: s.joinMs === null || s.joinStartedMs === null ? null : s.joinMs - s.joinStartedMs,
        joinFromLoadMs: s.joinMs,
      };
    }
    const s = await page.evaluate(() =>
      (
        window as unknown as {
          benchStats: () => {
            startupMs: number | null;
            latency: number | null;
            stalls: number;
            stallSeconds: number;
            bytesHttp: number;
            bytesPeers: number;
          };
        }
      ).benchStats(),
    );
    return {
      startupMs: s.startupMs,
      latency: s.latency,
      stalls: s.stalls,
      stallSeconds: s.stallSeconds,
      played: s.bytesHttp + s.bytesPeers,
    };
  };

  const rows: string[] = [];
  for (const seconds of durations)
    for (const viewers of viewerCounts) {
      for (const mode of MODES) {
        const before = await originStats(origin);
        const processCpu = await watchProcessCpu(browsers);
        const pages: Page[] = [];
        const pageCpu: (() => Promise<PageCpu>)[] = [];
        for (let i = 0; i < viewers; i++) {
          const page = await browsers[i % 2]!.newPage();
          pageCpu.push(await watchPageCpu(page));
          await page.goto(urlFor(mode));
          pages.push(page);
          await sleep(300);
        }
        await sleep(seconds * 1000);
        const results = await Promise.all(pages.map((page) => figures(page, mode)));
        const cpu = await Promise.all(pageCpu.map((read) => read()));
        const processes = await processCpu();
        const after = await originStats(origin);
        for (const page of pages) await page.close();
        await sleep(4_000); // let the swarm notice the pages left
        const egress =
          after.originBytes.http +
          after.originBytes.swarm -
          (before.originBytes.http + before.originBytes.swarm);
        const played = results.reduce((sum, r) => sum + r.played, 0);
        rows.push(
          [
            mode.padEnd(12),
            String(seconds).padStart(7),
            String(viewers).padStart(7),
            `${(100 * Math.max(0, 1 - egress / played)).toFixed(1)} %`.padStart(9),
            `${(100 * (1 - 1 / viewers)).toFixed(1)} %`.padStart(7),
            (egress / 1e6).toFixed(1).padStart(10),
            (played / 1e6).toFixed(1).padStart(9),
            String(
              percentile(
                results.map((r) => r.startupMs ?? NaN),
                0.5,
              ),
            ).padStart(10),
            percentile(
              results.map((r) => r.latency ?? NaN),
              0.5,
            )
              .toFixed(2)
              .padStart(10),
            `${results.reduce((s, r) => s + r.stalls, 0)} / ${results.reduce((s, r) => s + r.stallSeconds, 0).toFixed(1)} s`.padStart(
              12,
            ),
            percentile(
              cpu.map((c) => c.taskPercent),
              0.5,
            )
              .toFixed(1)
              .padStart(8),
            percentile(
              cpu.map((c) => c.scriptPercent),
              0.5,
            )
              .toFixed(1)
              .padStart(8),
            ((100 * processes.renderers) / viewers).toFixed(1).padStart(9),
            ((100 * processes.all) / viewers).toFixed(1).padStart(9),
            mode === 'swarmcast' ? joinFigures(results).padStart(26) : '-'.padStart(26),
          ].join('  '),
        );
        console.error(`done: ${mode} x ${viewers}, ${seconds} s`);
      }
    }
  console.log(
    `bench:p2p  ${new Date().toISOString()}  ${values.bitrate} ${values.resolution}, 1 s segments, origin --max-children 1, 2 Chromium processes, 2-core machine`,
  );
  console.log(
    'player        seconds  viewers  P2P share    limit  origin MB  played MB  startup ms  latency s  stalls / time  task %  script %  render %  browser %  join p50/p95 ms (from load)',
  );
  console.log(
    'task, script: median page main-thread time (Chromium metrics); render, browser: renderer and all browser processes CPU per page; all % of one core',
  );
  for (const row of rows) console.log(row);
} finally {
  await stopAll();
}
