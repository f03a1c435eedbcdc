/**
 * Segments leave the origin at the wall-clock pace of their durations, whatever timing the
 * encoder's output has. ffmpeg's `-re` follows the source's timestamps; after a 33-bit PTS wrap
 * or a jump it writes segments in bursts. Here the encoder is a stand-in that does exactly that
 * with real fMP4 segments (cut by real ffmpeg beforehand), run through the real CLI as --ffmpeg.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateFfmpeg } from '../../src/seeder/ffmpeg-locate.js';
import { startBroadcast, type CliProcess } from '../helpers/cli-process.js';
import { getText } from '../helpers/http.js';

/** Each segment's publish time (ms), from the playlist: program date-time plus duration. */
function publishTimes(playlist: string): Map<number, number> {
  const times = new Map<number, number>();
  let date: number | undefined;
  let duration: number | undefined;
  for (const line of playlist.split('\n')) {
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) date = Date.parse(line.slice(25));
    else if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
    else if (/^\d+\.m4s$/.test(line) && date !== undefined && duration !== undefined) {
      times.set(Number.parseInt(line, 10), date + duration * 1000);
    }
  }
  return times;
}

/**
 * An "ffmpeg" that answers -version, then writes the fixture's init segment and its 1 s
 * segments five at a time, 50 ms apart, with five seconds of nothing after each burst.
 */
const BURSTING_ENCODER = `#!/usr/bin/env node
const { copyFileSync, readdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const args = process.argv.slice(2);
if (args.includes('-version')) {
  console.log('ffmpeg version 6.1-bursting Copyright (c) the test');
  process.exit(0);
}
const fixture = process.env.FIXTURE;
const out = args.at(-1).replace(/\\/index\\.m3u8$/, '');
const sources = readdirSync(fixture).filter((f) => /^seg\\d+\\.m4s$/.test(f)).sort();
copyFileSync(join(fixture, 'init.mp4'), join(out, 'init.mp4'));
let n = 0;
const listed = [];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
(async () => {
  for (;;) {
    for (let i = 0; i < 5; i++, n++) {
      copyFileSync(join(fixture, sources[n % sources.length]), join(out, 'seg' + n + '.m4s'));
      listed.push('#EXTINF:1.000000,', 'seg' + n + '.m4s');
      const head = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:1', '#EXT-X-MAP:URI="init.mp4"'];
      writeFileSync(join(out, 'index.m3u8'), [...head, ...listed.slice(-12), ''].join('\\n'));
      await sleep(50);
    }
    await sleep(5000);
  }
})();
`;

describe('an encoder that writes segments in bursts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarmcast-pacing-'));
  let cli: CliProcess | undefined;

  beforeAll(() => {
    const fixture = join(dir, 'fixture');
    mkdirSync(fixture);
    const made = spawnSync(
      locateFfmpeg(undefined).path,
      [
        ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=25:d=10'],
        ...['-f', 'lavfi', '-i', 'sine=d=10', '-c:v', 'libx264', '-preset', 'ultrafast'],
        ...['-g', '25', '-c:a', 'aac', '-f', 'hls', '-hls_time', '1', '-hls_segment_type', 'fmp4'],
        ...['-hls_fmp4_init_filename', 'init.mp4', '-hls_list_size', '0'],
        ...['-hls_segment_filename', join(fixture, 'seg%d.m4s'), join(fixture, 'index.m3u8')],
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(made.status, made.stderr).toBe(0);
    writeFileSync(join(dir, 'ffmpeg'), BURSTING_ENCODER);
    chmodSync(join(dir, 'ffmpeg'), 0o755);
  }, 70_000);
  afterAll(async () => {
    await cli?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes one segment per segment duration, not five at once and then nothing', async () => {
    let url: string;
    ({ cli, url } = await startBroadcast(['--ffmpeg', join(dir, 'ffmpeg')], join(dir, 'data'), {
      FIXTURE: join(dir, 'fixture'),
    }));
    const times = new Map<number, number>();
    const until = Date.now() + 22_000;
    while (Date.now() < until) {
      const { status, text } = await getText(`${url}/live/main/index.m3u8`);
      if (status === 200) for (const [seq, at] of publishTimes(text)) times.set(seq, at);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const published = [...times.entries()].sort(([a], [b]) => a - b).map(([, at]) => at);
    // Four bursts of five in 22 s, each paced out over about five seconds.
    expect(published.length).toBeGreaterThanOrEqual(15);
    const gaps = published.slice(1).map((at, i) => at - published[i]!);
    // The pacer lets a segment leave up to 0.5 s early; never two within 0.4 s.
    expect(Math.min(...gaps), `gaps ${gaps.join(', ')}`).toBeGreaterThanOrEqual(400);
    for (let i = 0; i + 4 < published.length; i++) {
      expect(published[i + 4]! - published[i]!, `from #${i}: ${gaps.join(', ')}`).toBeGreaterThan(
        3_000,
      );
    }
  }, 60_000);
});
