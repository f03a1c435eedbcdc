/** `swarmcast broadcast --source rtmp` with a real ffmpeg pushing to it, as OBS would. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiStats } from '../../src/contracts/stats.js';
import { freePort } from '../../src/seeder/free-port.js';
import { locateFfmpeg } from '../../src/seeder/ffmpeg-locate.js';
import { startBroadcast, type CliProcess } from '../helpers/cli-process.js';
import {
  eventually,
  getJson,
  getText,
  newestInitSegment,
  newestInitUri,
  playlistWithSegments,
} from '../helpers/http.js';

/**
 * Pushes `seconds` of a test picture and tone (or the tone alone, as a radio studio would) to an
 * RTMP URL; resolves with ffmpeg's exit code.
 */
function push(url: string, seconds: number, audioOnly = false): Promise<number | null> {
  const picture = ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25'];
  const tone = ['-f', 'lavfi', '-i', 'sine=frequency=300'];
  const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25'];
  const child = spawn(
    locateFfmpeg(undefined).path,
    [
      ...['-hide_banner', '-loglevel', 'error', '-re'],
      ...(audioOnly ? tone : [...picture, ...tone]),
      ...['-t', String(seconds)],
      ...(audioOnly ? [] : h264),
      ...['-c:a', 'aac', '-f', 'flv', url],
    ],
    { stdio: 'ignore' },
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 15) * 1000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
}

/** The seeder's RTMP listener is up and waiting for a publisher (after a refused push too). */
function listenerReady(url: string, timeoutMs: number): Promise<true> {
  return eventually(
    async () => {
      const stats = await getJson<ApiStats>(`${url}/api/stats`);
      return stats.ingest.state === 'waiting' && stats.ingest.pid ? true : undefined;
    },
    timeoutMs,
    'the RTMP listener to be ready',
  );
}

describe('swarmcast broadcast --source rtmp', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'swarmcast-rtmp-'));
  let cli: CliProcess;
  let url: string;
  let rtmpPort: number;

  beforeAll(async () => {
    rtmpPort = await freePort();
    ({ cli, url } = await startBroadcast(
      ['--source', 'rtmp', '--rtmp-port', String(rtmpPort), '--rtmp-key', 'right-key'],
      dataDir,
    ));
    await cli.waitFor(/stream key right-key/);
  });
  afterAll(async () => {
    await cli?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('waits for a push and says so', async () => {
    expect((await getText(`${url}/live/main/index.m3u8`)).status).toBe(503);
    const stats = await getJson<ApiStats>(`${url}/api/stats`);
    expect(stats.ingest.source).toBe('rtmp');
    expect(stats.segmentsPublished).toBe(0);
  });

  it('refuses a push with the wrong key and publishes nothing from it', async () => {
    const code = await push(`rtmp://127.0.0.1:${rtmpPort}/live/wrong-key`, 3);
    expect(code).not.toBe(0);
    // The seeder's own line may reach us a moment after the pusher has exited.
    await eventually(
      () =>
        /RTMP push from 127\.0\.0\.1:\d+ refused: wrong stream key/.test(cli.stderr())
          ? true
          : undefined,
      5_000,
      'the refusal to be logged',
    );
    expect((await getJson<ApiStats>(`${url}/api/stats`)).segmentsPublished).toBe(0);
  });

  it('broadcasts a push with the right key', async () => {
    // The listener restarts after the refused push; give it a moment, then push for real.
    await listenerReady(url, 10_000);
    const pushing = push(`rtmp://127.0.0.1:${rtmpPort}/live/right-key`, 6);
    const playlist = await playlistWithSegments(url, 2);
    expect(playlist).toContain('#EXT-X-MAP');
    expect(await pushing).toBe(0);
    expect(cli.stdout()).toMatch(/RTMP publisher connected/);
  });

  it('broadcasts a push with sound only as audio-only HLS', async () => {
    await listenerReady(url, 15_000);
    // The last push's tail may still be arriving: wait for this push's own init segment, and
    // two segments after it, rather than for any two more segments.
    const before = newestInitUri((await getText(`${url}/live/main/index.m3u8`)).text);
    const pushing = push(`rtmp://127.0.0.1:${rtmpPort}/live/right-key`, 6, true);
    const playlist = await eventually(
      async () => {
        const { status, text } = await getText(`${url}/live/main/index.m3u8`);
        if (status !== 200 || newestInitUri(text) === before) return undefined;
        const afterInit = text.slice(text.lastIndexOf('#EXT-X-MAP'));
        return (afterInit.match(/\.m4s$/gm)?.length ?? 0) >= 2 ? text : undefined;
      },
      20_000,
      'segments from the audio-only push',
    );
    const bytes = await newestInitSegment(url, playlist);
    expect(bytes).toContain('mp4a');
    expect(bytes).not.toContain('avc1');
    expect(await pushing).toBe(0);
  });
});
