/** The real CLI, real ffmpeg, real HTTP on 127.0.0.1. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiStats } from '../../src/contracts/stats.js';
import { decodeAnnouncement, verifyAnnouncement } from '../../src/swarm/announcement.js';
import { hexToBytes } from '../../src/swarm/hex.js';
import { fetchFromOrigin } from '../../src/swarm/http-fallback.js';
import { freePort } from '../../src/seeder/free-port.js';
import { locateFfmpeg } from '../../src/seeder/ffmpeg-locate.js';
import { runCli, startBroadcast, type CliProcess } from '../helpers/cli-process.js';
import {
  eventually,
  getBytes,
  getJson,
  getText,
  newestInitSegment,
  playlistWithSegments,
} from '../helpers/http.js';
import { topLevelBoxes } from '../helpers/mp4-boxes.js';

const mediaSequence = (text: string) => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? -1);

describe('swarmcast broadcast --source test', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'swarmcast-it-'));
  let cli: CliProcess;
  let url: string;

  beforeAll(async () => {
    ({ cli, url } = await startBroadcast([], dataDir));
  });
  afterAll(async () => {
    await cli?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves a live playlist whose media sequence advances', async () => {
    const playlist = `${url}/live/main/index.m3u8`;
    const first = await eventually(
      async () => {
        const { status, text } = await getText(playlist);
        return status === 200 && text.includes('.m4s') ? text : undefined;
      },
      20_000,
      'the first playlist',
    );
    expect(first).toMatch(/^#EXTM3U\n/);
    expect(first).toContain('#EXT-X-TARGETDURATION:1');
    const later = await eventually(
      async () => {
        const { text } = await getText(playlist);
        return mediaSequence(text) > mediaSequence(first) + 1 ? text : undefined;
      },
      20_000,
      'the media sequence to advance',
    );
    expect(later.match(/\.m4s$/gm)?.length).toBeGreaterThanOrEqual(3);
  });

  it('serves valid fMP4: an ftyp/moov init and moof/mdat media segments', async () => {
    const { text } = await getText(`${url}/live/main/index.m3u8`);
    const init = /#EXT-X-MAP:URI="([^"]+)"/.exec(text)?.[1];
    const segment = text.match(/^\d+\.m4s$/m)?.[0];
    expect(init).toBeDefined();
    expect(segment).toBeDefined();
    const initBoxes = topLevelBoxes(await getBytes(`${url}/live/main/${init}`));
    expect(initBoxes.slice(0, 2)).toEqual(['ftyp', 'moov']);
    const mediaBoxes = topLevelBoxes(await getBytes(`${url}/live/main/${segment}`));
    expect(mediaBoxes).toContain('moof');
    expect(mediaBoxes).toContain('mdat');
    expect(mediaBoxes.indexOf('moof')).toBeLessThan(mediaBoxes.indexOf('mdat'));
  });

  it('reports what it served in /api/stats and /metrics', async () => {
    const stats = await getJson<ApiStats>(`${url}/api/stats`);
    expect(stats.stream).toBe('main');
    expect(stats.segmentsPublished).toBeGreaterThan(2);
    expect(stats.lastSequence).toBe(stats.segmentsPublished - 1);
    expect(stats.originBytes.http).toBeGreaterThan(1000); // the init and segment fetched above
    expect(stats.originBytes.swarm).toBe(0);
    expect(stats.viewers).toBeGreaterThanOrEqual(1);
    expect(stats.peers).toEqual([]);
    expect(stats.ingest).toMatchObject({ source: 'test', state: 'live', restarts: 0 });
    const metrics = await getText(`${url}/metrics`);
    expect(metrics.text).toMatch(/^swarmcast_origin_bytes_total\{path="http"\} \d+/m);
    expect(metrics.text).toMatch(/^swarmcast_segments_published_total \d+/m);
  });

  it('signs with a stream key kept in the data dir, readable only by its owner', async () => {
    const file = join(dataDir, 'keys', 'stream-main.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { publicKey: string };
    const swarm = await getJson<{ publicKey: string; peerId: string; addrs: string[] }>(
      `${url}/api/swarm`,
    );
    expect(swarm.publicKey).toBe(stored.publicKey);
    expect(swarm.addrs.every((addr) => addr.startsWith('/ip4/127.0.0.1/'))).toBe(true);
    const { text } = await getText(`${url}/live/main/index.m3u8`);
    const sequence = text.match(/^(\d+)\.m4s$/m)![1]!;
    const announcement = await getBytes(`${url}/swarm/main/announcement/media/${sequence}`);
    const decoded = decodeAnnouncement(announcement);
    expect(verifyAnnouncement(decoded, hexToBytes(stored.publicKey)!)).toBe(true);
    expect(decoded.byteLength).toBe((await getBytes(`${url}/live/main/${sequence}.m4s`)).length);
  });

  it("lets a peer fill a gap from the origin over HTTP, checked against the origin's signature", async () => {
    const { text } = await getText(`${url}/live/main/index.m3u8`);
    const sequence = Number(text.match(/^(\d+)\.m4s$/m)![1]);
    const swarm = await getJson<{ publicKey: string }>(`${url}/api/swarm`);
    const publicKey = hexToBytes(swarm.publicKey)!;
    const signal = AbortSignal.timeout(5_000);
    const object = await fetchFromOrigin(url, 'main', publicKey, 'media', sequence, signal);
    expect(object?.bytes).toEqual(await getBytes(`${url}/live/main/${sequence}.m4s`));
    expect(await fetchFromOrigin(url, 'main', publicKey, 'media', 999_999, signal)).toBeUndefined();
    const otherKey = new Uint8Array(32).fill(7);
    await expect(fetchFromOrigin(url, 'main', otherKey, 'media', sequence, signal)).rejects.toThrow(
      /does not verify/,
    );
  });

  it('answers unknown streams and segments with 404, not a crash', async () => {
    expect((await getText(`${url}/live/other/index.m3u8`)).status).toBe(404);
    expect((await getText(`${url}/live/main/999999.m4s`)).status).toBe(404);
    expect((await getText(`${url}/live/main/abc.m4s`)).status).toBe(404);
    expect((await getText(`${url}/live/main/init-77.mp4`)).status).toBe(404);
  });

  it('stops cleanly on SIGTERM within 3 s with exit code 0', async () => {
    const started = Date.now();
    const result = await cli.stop(5_000);
    expect(result).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(cli.stdout()).toMatch(/SIGTERM: stopping/);
  });
});

/** Whether `pid` is a live process (a zombie awaiting its reaper counts as gone). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true; // no /proc: signal 0 reached it
  }
}

describe('a seeder that dies hard', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'swarmcast-it-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('takes its ffmpeg with it when killed with SIGKILL', async () => {
    const { cli, url } = await startBroadcast([], dataDir);
    const ffmpegPid = await eventually(
      async () => {
        const stats = await getJson<ApiStats>(`${url}/api/stats`);
        return stats.ingest.pid ?? undefined;
      },
      20_000,
      'ffmpeg running',
    );
    expect(running(ffmpegPid)).toBe(true);
    cli.child.kill('SIGKILL');
    await cli.exited;
    try {
      await eventually(() => (running(ffmpegPid) ? undefined : true), 5_000, 'ffmpeg gone');
    } finally {
      if (running(ffmpegPid)) process.kill(ffmpegPid, 'SIGKILL'); // an orphan this test made
    }
  });
});

describe('swarmcast broadcast of an MP3 with cover art', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'swarmcast-cover-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('shows the cover as the picture: the stream carries video and audio', async () => {
    const ffmpeg = locateFfmpeg(undefined).path;
    const cover = join(dataDir, 'cover.png');
    const song = join(dataDir, 'song.mp3');
    execFileSync(ffmpeg, [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=300x300', '-frames:v', '1', cover],
    ]);
    execFileSync(ffmpeg, [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'sine=d=6', '-i', cover, '-map', '0', '-map', '1'],
      ...['-c:a', 'libmp3lame', '-c:v', 'mjpeg', '-disposition:v', 'attached_pic', song],
    ]);
    const { cli, url } = await startBroadcast(['--source', song, '--loop'], dataDir);
    try {
      await cli.waitFor(/cover art: the cover is shown as the picture/);
      const playlist = await playlistWithSegments(url);
      const bytes = await newestInitSegment(url, playlist);
      expect(bytes).toContain('avc1');
      expect(bytes).toContain('mp4a');
    } finally {
      await cli.stop();
    }
  });
});

describe('swarmcast broadcast refuses bad input with one clear line', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'swarmcast-it-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function expectFailure(args: string[], code: number, message: RegExp) {
    const cli = runCli(args);
    const result = await cli.exited;
    expect(result.code).toBe(code);
    const lines = cli.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(cli.stderr()).not.toMatch(/\n\s+at /); // no stack trace without --verbose
  }

  it('an unknown flag exits 2', () =>
    expectFailure(
      ['broadcast', '--colour', 'red'],
      2,
      /^swarmcast: broadcast: Unknown option '--colour'/,
    ));

  it('an unknown command exits 2', () => expectFailure(['beam'], 2, /unknown command "beam"/));

  it('a missing file exits 2', () =>
    expectFailure(['broadcast', '--source', join(dataDir, 'missing.mp4')], 2, /no such file/));

  it('a file that is not media exits 2', async () => {
    const bogus = join(dataDir, 'notes.mp4');
    writeFileSync(bogus, 'these are not frames\n'.repeat(100));
    await expectFailure(
      ['broadcast', '--source', bogus, '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir],
      2,
      /not a media file/,
    );
  });

  it('--image with a file that has its own video exits 2', async () => {
    const video = join(dataDir, 'clip.mp4');
    const ffmpeg = locateFfmpeg(undefined).path;
    execFileSync(ffmpeg, [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:d=1', '-y', video],
    ]);
    const args = ['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir];
    await expectFailure(
      ['broadcast', '--source', video, '--image', video, ...args],
      2,
      /--image: .*clip\.mp4 has a video track of its own/,
    );
  });

  it('--image that is not a picture exits 2', async () => {
    const sound = join(dataDir, 'tone.mp3');
    const notes = join(dataDir, 'notes.png');
    writeFileSync(notes, 'not a picture\n'.repeat(50));
    execFileSync(locateFfmpeg(undefined).path, [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'sine=d=1', '-y', sound],
    ]);
    const args = ['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir];
    await expectFailure(
      ['broadcast', '--source', sound, '--image', notes, ...args],
      2,
      /--image .*notes\.png: not a picture ffmpeg can read/,
    );
  });

  it('a port in use exits 1', async () => {
    const { cli, url } = await startBroadcast([], dataDir);
    try {
      const port = new URL(url).port;
      await expectFailure(
        ['broadcast', '--port', port, '--host', '127.0.0.1', '--data-dir', dataDir],
        1,
        new RegExp(`port ${port} is already in use`),
      );
    } finally {
      await cli.stop();
    }
  });

  it('a --key file that is not a key exits 2', async () => {
    const bogus = join(dataDir, 'not-a-key.json');
    writeFileSync(bogus, '{"hello": "world"}');
    await expectFailure(
      ['broadcast', '--key', bogus, '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir],
      2,
      /is not a swarmcast ed25519 key/,
    );
  });

  it('a relay whose seeder is unreachable exits 1', async () => {
    const port = await freePort();
    await expectFailure(
      ['relay', '--seeder', `http://127.0.0.1:${port}`, '--host', '127.0.0.1'],
      1,
      /relay: cannot join through http:\/\/127\.0\.0\.1:\d+/,
    );
  });

  it('a relay without --seeder exits 2', () =>
    expectFailure(['relay'], 2, /--seeder <url> is required/));

  it('--help lists the flags and exits 0', async () => {
    const cli = runCli(['broadcast', '--help']);
    expect((await cli.exited).code).toBe(0);
    expect(cli.stdout()).toContain('--segment-seconds');
    expect(cli.stdout()).toContain('--source test|<file>|rtmp');
  });
});
