/** The real player page in real Chromium against a real broadcast (HTTP path). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiStats } from '../../src/contracts/stats.js';
import { locateFfmpeg } from '../../src/seeder/ffmpeg-locate.js';
import { launchChromium } from '../helpers/chromium.js';
import { startBroadcast } from '../helpers/cli-process.js';
import { eventually, getJson, playlistWithSegments } from '../helpers/http.js';
import {
  openPlayer,
  playerStats,
  screenshotVideo,
  waitForPlayback,
} from '../helpers/player-page.js';

describe('the player in Chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'swarmcast-e2e-'));
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('plays the test source: time advances 5 s, no fatal error, a picture on screen', async () => {
    const { cli, url } = await startBroadcast([], dataDir);
    try {
      const page = await openPlayer(browser, `${url}/`);
      const stats = await waitForPlayback(page, 5, 40_000);
      expect(stats.fatalErrors).toEqual([]);
      expect(stats.fragmentsLoaded).toBeGreaterThanOrEqual(5);
      expect(stats.liveLatency).not.toBeNull();
      expect(await screenshotVideo(page, 'player-test-source')).toBeGreaterThan(10);
      const origin = await getJson<ApiStats>(`${url}/api/stats`);
      expect(origin.viewers).toBe(1);
      // A lone viewer gets everything from the origin, over HTTP or pushed into its swarm peer.
      expect(origin.originBytes.http + origin.originBytes.swarm).toBeGreaterThanOrEqual(
        stats.bytesLoaded,
      );
      await page.close();
    } finally {
      await cli.stop();
    }
  });

  /** An MP3 of two tones, as a talk or a radio stream would be: sound, no picture. */
  function makeMp3(name: string): string {
    const file = join(dataDir, name);
    execFileSync(locateFfmpeg(undefined).path, [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=330:d=8'],
      ...['-c:a', 'libmp3lame', '-b:a', '96k', '-y', file],
    ]);
    return file;
  }

  it('plays an audio-only MP3 as audio: the stream name and a level meter that moves', async () => {
    const file = makeMp3('talk.mp3');
    const { cli, url } = await startBroadcast(['--source', file, '--loop'], dataDir);
    try {
      await cli.waitFor(/audio only/);
      const playlist = await playlistWithSegments(url);
      expect(playlist).toContain('#EXT-X-MAP');
      const page = await openPlayer(browser, `${url}/`);
      const stats = await waitForPlayback(page, 5, 40_000);
      expect(stats.fatalErrors).toEqual([]);
      expect(stats.audioOnly).toBe(true);
      expect(await page.locator('.audio-name').textContent()).toBe('main');
      await page.screenshot({ path: join(process.cwd(), 'test-results', 'player-audio-only.png') });
      // Unmuted (as a listener would), the meter reads the tone.
      await page.evaluate(() => {
        const video = document.querySelector('video')!;
        video.muted = false;
        void video.play();
      });
      const level = await eventually(
        async () => {
          const now = (await playerStats(page)).audioLevel;
          return now !== null && now > 0.05 ? now : undefined;
        },
        10_000,
        'the level meter to read the tone',
      );
      expect(level).toBeLessThanOrEqual(1);
      await page.close();
    } finally {
      await cli.stop();
    }
  });

  it('plays an audio-only file with --image as video: the picture on screen', async () => {
    const file = makeMp3('talk-with-picture.mp3');
    const picture = join(dataDir, 'cover.png');
    execFileSync(locateFfmpeg(undefined).path, [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240'],
      ...['-frames:v', '1', '-y', picture],
    ]);
    const { cli, url } = await startBroadcast(
      ['--source', file, '--loop', '--image', picture],
      dataDir,
    );
    try {
      const page = await openPlayer(browser, `${url}/`);
      const stats = await waitForPlayback(page, 5, 40_000);
      expect(stats.fatalErrors).toEqual([]);
      expect(stats.audioOnly).toBe(false);
      expect(await screenshotVideo(page, 'player-audio-with-picture')).toBeGreaterThan(10);
      await page.close();
    } finally {
      await cli.stop();
    }
  });

  it('plays a looped MPEG-TS file whose timestamps wrap, across the wrap and a loop, without a stall', async () => {
    // Its PTS starts 95,435 s in, so it crosses 2^33 / 90 kHz (26.5 h) within its 12 s.
    const file = join(dataDir, 'wrap.ts');
    execFileSync(locateFfmpeg(undefined).path, [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=d=12:s=640x360'],
      ...['-f', 'lavfi', '-i', 'sine=d=12', '-c:v', 'libx264', '-preset', 'ultrafast'],
      ...['-c:a', 'aac', '-output_ts_offset', '95435', '-f', 'mpegts', '-y', file],
    ]);
    const { cli, url } = await startBroadcast(['--source', file, '--loop'], dataDir);
    try {
      const page = await openPlayer(browser, `${url}/`);
      const start = await waitForPlayback(page, 1, 40_000);
      await new Promise((resolve) => setTimeout(resolve, 14_000));
      const stats = await playerStats(page);
      expect(stats.fatalErrors).toEqual([]);
      expect(stats.currentTime - start.currentTime).toBeGreaterThan(12);
      expect(stats.stalls, `${stats.stallSeconds.toFixed(1)} s stalled`).toBe(0);
      await page.close();
    } finally {
      await cli.stop();
    }
  });

  it('plays a file without an audio track, at an odd size', async () => {
    const file = join(dataDir, 'silent.mp4');
    const ffmpeg = locateFfmpeg(undefined).path;
    execFileSync(ffmpeg, [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=322x182:rate=15',
      '-t',
      '4',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      '-y',
      file,
    ]);
    const { cli, url } = await startBroadcast(['--source', file, '--loop'], dataDir);
    try {
      const page = await openPlayer(browser, `${url}/`);
      const stats = await waitForPlayback(page, 5, 40_000);
      expect(stats.fatalErrors).toEqual([]);
      expect(await screenshotVideo(page, 'player-silent-file')).toBeGreaterThan(10);
      await page.close();
    } finally {
      await cli.stop();
    }
  });

  it('keeps playing when ffmpeg is killed mid-stream', async () => {
    const { cli, url } = await startBroadcast([], dataDir);
    try {
      const page = await openPlayer(browser, `${url}/`);
      await waitForPlayback(page, 3, 40_000);
      const before = await getJson<ApiStats>(`${url}/api/stats`);
      expect(before.ingest.pid).toBeGreaterThan(0);
      process.kill(before.ingest.pid!, 'SIGKILL');
      await eventually(
        async () => {
          const now = await getJson<ApiStats>(`${url}/api/stats`);
          return now.ingest.restarts === 1 && now.ingest.state === 'live' ? now : undefined;
        },
        15_000,
        'ffmpeg to be restarted',
      );
      const stats = await waitForPlayback(page, 8, 40_000);
      expect(stats.fatalErrors).toEqual([]);
      // A stall while the encoder restarts is allowed, but only a short one.
      expect(stats.stallSeconds).toBeLessThan(4);
      // And it goes on playing: a moment's 'waiting' at one instant is not the question.
      await page.waitForTimeout(3_000);
      const final = await playerStats(page);
      expect(final.currentTime - stats.currentTime, JSON.stringify(final)).toBeGreaterThan(2);
      expect(final.stallSeconds).toBeLessThan(4);
      await page.close();
    } finally {
      await cli.stop();
    }
  });
});
