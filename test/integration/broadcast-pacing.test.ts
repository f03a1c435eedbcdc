/**
 * Segments leave the origin at the wall-clock pace of their durations, whatever the source's
 * timestamps do: here a real MPEG-TS file whose 33-bit PTS wraps, looped, through real ffmpeg.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

describe('a looped MPEG-TS file whose timestamps wrap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarmcast-wrap-'));
  let cli: CliProcess | undefined;

  beforeAll(() => {
    // The recipe: 12 s whose PTS starts 95,435 s in, so it crosses 2^33 / 90 kHz.
    const made = spawnSync(
      locateFfmpeg(undefined).path,
      [
        ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=d=12:s=640x360'],
        ...['-f', 'lavfi', '-i', 'sine=d=12', '-c:v', 'libx264', '-preset', 'ultrafast'],
        ...['-c:a', 'aac', '-output_ts_offset', '95435', '-f', 'mpegts', join(dir, 'wrap.ts')],
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(made.status, made.stderr).toBe(0);
  }, 70_000);
  afterAll(async () => {
    await cli?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes one segment per segment duration, not in bursts', async () => {
    let url: string;
    ({ cli, url } = await startBroadcast(
      ['--source', join(dir, 'wrap.ts'), '--loop'],
      join(dir, 'data'),
    ));
    // 30 s: the 12 s file loops twice, and crosses its wrap three times.
    const times = new Map<number, number>();
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      const { status, text } = await getText(`${url}/live/main/index.m3u8`);
      if (status === 200) for (const [seq, at] of publishTimes(text)) times.set(seq, at);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const published = [...times.entries()].sort(([a], [b]) => a - b).map(([, at]) => at);
    // Skip the first few: the encoder's start is not the source's timing.
    const steady = published.slice(3);
    expect(steady.length).toBeGreaterThanOrEqual(18);
    const gaps = steady.slice(1).map((at, i) => at - steady[i]!);
    // Never a burst (the pacer lets one segment leave up to 0.5 s early), never a long silence.
    expect(Math.min(...gaps), `gaps ${gaps.join(', ')}`).toBeGreaterThanOrEqual(400);
    expect(Math.max(...gaps), `gaps ${gaps.join(', ')}`).toBeLessThanOrEqual(2_500);
    for (let i = 0; i + 5 < steady.length; i++) {
      expect(steady[i + 5]! - steady[i]!, `five segments from #${i}`).toBeGreaterThan(3_500);
    }
  }, 60_000);
});
