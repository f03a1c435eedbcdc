/**
 * bench:origin — N emulated HTTP viewers (loops that poll the playlist and fetch each new segment,
 * as hls.js does) against one origin. Prints served Mb/s and the seeder's CPU per viewer.
 *
 *   npm run bench:origin -- [--viewers 10,50,200] [--seconds 15] [--bitrate 2000k]
 */
import { parseArgs } from 'node:util';
import { percentile, startBenchSeeder } from './bench-kit.js';
import { procUsage } from './proc-usage.js';

const { values } = parseArgs({
  options: {
    viewers: { type: 'string', default: '0,10,50,200' },
    seconds: { type: 'string', default: '15' },
    bitrate: { type: 'string', default: '2000k' },
    resolution: { type: 'string', default: '1280x720' },
  },
});
const counts = values.viewers.split(',').map(Number);
const seconds = Number(values.seconds);

interface ViewerResult {
  bytes: number;
  segments: number;
  errors: number;
  latenciesMs: number[];
}

async function viewer(base: string, id: number, signal: AbortSignal): Promise<ViewerResult> {
  const result: ViewerResult = { bytes: 0, segments: 0, errors: 0, latenciesMs: [] };
  const seen = new Set<string>();
  let init: string | undefined;
  while (!signal.aborted) {
    try {
      const playlist = await (
        await fetch(`${base}/live/main/index.m3u8?viewer=bench${id}x0`, { signal })
      ).text();
      const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)?.[1];
      const wanted = playlist.match(/^\d+\.m4s$/gm) ?? [];
      if (map && map !== init) {
        init = map;
        result.bytes += (
          await (await fetch(`${base}/live/main/${map}`, { signal })).arrayBuffer()
        ).byteLength;
      }
      // Like a live player: start three segments from the edge, then take each new one.
      for (const name of seen.size === 0 ? wanted.slice(-3) : wanted) {
        if (seen.has(name)) continue;
        seen.add(name);
        const started = performance.now();
        const body = await (await fetch(`${base}/live/main/${name}`, { signal })).arrayBuffer();
        result.latenciesMs.push(performance.now() - started);
        result.bytes += body.byteLength;
        result.segments += 1;
      }
    } catch {
      if (!signal.aborted) result.errors += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return result;
}

const seeder = await startBenchSeeder([
  '--video-bitrate',
  values.bitrate,
  '--resolution',
  values.resolution,
]);
try {
  const base = seeder.url;
  const pid = seeder.pid;
  // Let the encoder settle and fill the window.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  console.log(
    `bench:origin  ${seconds} s per run, video ${values.bitrate} ${values.resolution}, 1 s segments, ${new Date().toISOString()}`,
  );
  console.log('viewers  served Mb/s  seeder CPU %  CPU %/viewer  seg p50 ms  seg p95 ms  errors');
  let baselineCpu = 0;
  for (const count of counts) {
    const controller = new AbortController();
    const before = procUsage(pid);
    const started = performance.now();
    const runs = Array.from({ length: count }, (_, i) => viewer(base, i, controller.signal));
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    controller.abort();
    const results = await Promise.all(runs);
    const elapsed = (performance.now() - started) / 1000;
    const after = procUsage(pid);
    const cpuPercent = (100 * (after.cpuSeconds - before.cpuSeconds)) / elapsed;
    if (count === 0) baselineCpu = cpuPercent;
    const bytes = results.reduce((sum, r) => sum + r.bytes, 0);
    const latencies = results.flatMap((r) => r.latenciesMs);
    const perViewer = count > 0 ? (cpuPercent - baselineCpu) / count : NaN;
    console.log(
      [
        String(count).padStart(7),
        ((bytes * 8) / elapsed / 1e6).toFixed(1).padStart(11),
        cpuPercent.toFixed(1).padStart(12),
        (Number.isNaN(perViewer) ? '–' : perViewer.toFixed(3)).padStart(13),
        (Number.isNaN(percentile(latencies, 0.5))
          ? '–'
          : percentile(latencies, 0.5).toFixed(1)
        ).padStart(11),
        (Number.isNaN(percentile(latencies, 0.95))
          ? '–'
          : percentile(latencies, 0.95).toFixed(1)
        ).padStart(11),
        String(results.reduce((sum, r) => sum + r.errors, 0)).padStart(7),
      ].join(' '),
    );
  }
  console.log(
    `seeder RSS at end: ${(procUsage(pid).rssBytes / 2 ** 20).toFixed(0)} MiB (ffmpeg runs in its own process, not counted)`,
  );
} finally {
  await seeder.stop();
}
