/**
 * The bulk plane over real WebTorrent clients on 127.0.0.1: an origin (express app with the web
 * seed and the tracker, plus a seeding client) and downloader clients that find each other
 * through the tracker. Checks the bytes (SHA-256 against the manifest), the origin's egress, the
 * web-seed fallback, a lying web seed, and that the web seed serves nothing outside its torrents.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ReleaseFile } from '../../src/contracts/channel.js';
import { startBulkClient, type BulkClient } from '../../src/swarm/bulk/bulk-client.js';
import { BulkError } from '../../src/swarm/bulk/bulk-error.js';
import { createReleaseTorrent, type ReleaseTorrent } from '../../src/swarm/bulk/release-torrent.js';
import { startTracker, type Tracker } from '../../src/swarm/bulk/tracker.js';
import { webSeedUrl } from '../../src/swarm/bulk/web-seed-url.js';
import {
  createWebSeedRouter,
  releaseWebSeed,
  type WebSeedTorrent,
} from '../../src/swarm/bulk/web-seed.js';

const HOST = '127.0.0.1';
const MB = 1024 * 1024;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  // Clients before the origin's HTTP server, so their `stopped` announces find it.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarmcast-bulk-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Release extends ReleaseTorrent {
  version: string;
  files: ReleaseFile[];
  /** Holds `<version>/<path>`. */
  root: string;
}

/** Random files under `<root>/<version>/`, and their torrent. */
async function makeRelease(version: string, sizes: Record<string, number>): Promise<Release> {
  const root = tempDir();
  const files = Object.entries(sizes).map(([path, length]) => {
    const bytes = randomBytes(length);
    const absPath = join(root, version, ...path.split('/'));
    mkdirSync(join(absPath, '..'), { recursive: true });
    writeFileSync(absPath, bytes);
    return { path, length, sha256: sha256(bytes), absPath };
  });
  const torrent = await createReleaseTorrent({ name: version, files });
  return { ...torrent, version, root, files: files.map(({ absPath: _, ...file }) => file) };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function expectSameFiles(filesDir: string, release: Release): void {
  for (const file of release.files)
    expect(sha256(readFileSync(join(filesDir, file.path))), file.path).toBe(file.sha256);
}

interface Origin {
  base: string;
  webSeeds: Map<string, WebSeedTorrent>;
  /** Web-seed body bytes served, per info-hash. */
  served: Map<string, number>;
  tracker: Tracker;
  httpServer: Server;
}

/** The origin's HTTP face: web seed and tracker on one express app. */
async function startOrigin(pace?: (bytes: number) => Promise<void>): Promise<Origin> {
  const webSeeds = new Map<string, WebSeedTorrent>();
  const served = new Map<string, number>();
  const app = express();
  app.use(
    createWebSeedRouter({
      lookup: (infoHash) => webSeeds.get(infoHash),
      onServed: (infoHash, bytes) => served.set(infoHash, (served.get(infoHash) ?? 0) + bytes),
      ...(pace ? { pace } : {}),
    }),
  );
  const httpServer = app.listen(0, HOST);
  await new Promise<void>((resolve) => httpServer.once('listening', resolve));
  const tracker = startTracker({ app, httpServer });
  cleanups.push(async () => {
    await tracker.stop();
    httpServer.closeAllConnections();
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
  });
  const base = `http://${HOST}:${(httpServer.address() as AddressInfo).port}`;
  return { base, webSeeds, served, tracker, httpServer };
}

async function client(options: Partial<Parameters<typeof startBulkClient>[0]> = {}) {
  const started: BulkClient = await startBulkClient({ host: HOST, dht: false, ...options });
  cleanups.push(() => started.stop());
  return started;
}

describe('bulk plane', () => {
  it('spreads a 20 MB release to 5 peers found through the tracker, with little origin egress', async () => {
    const release = await makeRelease('3.1.0', {
      'app/bin.dat': 12 * MB,
      'data/assets.pak': 8 * MB,
    });
    const origin = await startOrigin();
    origin.webSeeds.set(release.infoHash, releaseWebSeed(release.root, release));
    const trackers = [origin.tracker.announceUrl(origin.base)];
    // The origin's uplink is the scarce resource the swarm saves; loopback has no such limit.
    const seeder = await client({ trackers, uploadLimit: 8 * MB });
    const seed = await seeder.seed(release.torrentFile, release.root);
    expect(seed.infoHash).toBe(release.infoHash);

    const downloaders = await Promise.all(Array.from({ length: 5 }, () => client({ trackers })));
    const started = Date.now();
    const results = await Promise.all(
      downloaders.map((downloader) =>
        downloader.download({
          torrentFile: release.torrentFile,
          infoHash: release.infoHash,
          dir: tempDir(),
          expectedLength: release.length,
          expectedFiles: release.files,
          webSeeds: [webSeedUrl(`${origin.base}/bulk/`, release.infoHash)],
          signal: AbortSignal.timeout(45_000),
        }),
      ),
    );
    const elapsedMs = Date.now() - started;
    for (const result of results) expectSameFiles(result.filesDir, release);

    const webSeedBytes = origin.served.get(release.infoHash) ?? 0;
    const originUpload = seed.uploaded + webSeedBytes;
    const ratio = originUpload / release.length;
    console.log(
      `bulk: 5 × ${(release.length / MB).toFixed(0)} MiB in ${elapsedMs} ms; origin sent ` +
        `${(seed.uploaded / MB).toFixed(1)} MiB to peers + ${(webSeedBytes / MB).toFixed(1)} MiB ` +
        `web seed = ${ratio.toFixed(2)}× the payload; per downloader (MiB peers/web seed): ` +
        results
          .map((r) => `${(r.fromPeers / MB).toFixed(1)}/${(r.fromWebSeed / MB).toFixed(1)}`)
          .join(', '),
    );
    // Measured 1.3-1.8× (all six clients share one event loop, which slows the peers' trading);
    // the bound leaves room for a loaded machine while staying far below the 5× of no swarm.
    expect(ratio).toBeLessThan(2.5);
    // Downloaders keep seeding: they appear as complete in the tracker's swarm.
    expect(origin.tracker.swarm(release.infoHash)?.complete).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('falls back to the web seed when no peer delivers, for one- and two-file torrents', async () => {
    const origin = await startOrigin();
    const downloader = await client();
    const releases: Record<string, number>[] = [
      { 'a.bin': 3 * MB, 'b/c.bin': MB + 123 },
      { 'only.bin': 2 * MB + 7 },
    ];
    for (const sizes of releases) {
      const release = await makeRelease('1.0.0', sizes);
      origin.webSeeds.set(release.infoHash, releaseWebSeed(release.root, release));
      const result = await downloader.download({
        torrentFile: release.torrentFile,
        dir: tempDir(),
        expectedLength: release.length,
        webSeeds: [webSeedUrl(`${origin.base}/bulk`, release.infoHash)],
        fallback: { graceMs: 300 },
        signal: AbortSignal.timeout(20_000),
      });
      expectSameFiles(result.filesDir, release);
      expect(result.fromPeers).toBe(0);
      expect(result.fromWebSeed).toBe(release.length);
      expect(result.webSeedReason).toMatch(/no peer bytes/);
      expect(origin.served.get(release.infoHash)).toBe(release.length);
      await result.seed.stop();
    }
  }, 30_000);

  it("paces the web seed from the client's upload limit, so the limit covers both", async () => {
    const rate = 250_000;
    const seeder = await client({ uploadLimit: rate });
    const origin = await startOrigin((bytes) => seeder.uploadBudget(bytes));
    const release = await makeRelease('2.0.0', { 'big.bin': 1_000_000 });
    origin.webSeeds.set(release.infoHash, releaseWebSeed(release.root, release));
    const url = `${webSeedUrl(`${origin.base}/bulk`, release.infoHash)}2.0.0/big.bin`;

    const started = performance.now();
    const body = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const seconds = (performance.now() - started) / 1000;
    expect(sha256(body)).toBe(release.files[0]!.sha256);
    // The bucket starts full (one second's worth); the other 750 kB wait for tokens.
    expect(seconds).toBeGreaterThanOrEqual((1_000_000 - rate) / rate - 0.2);

    // With the limit off the same file goes at once: the pace was the limit, not the server.
    seeder.throttleUpload(-1);
    const unpaced = performance.now();
    await (await fetch(url)).arrayBuffer();
    expect((performance.now() - unpaced) / 1000).toBeLessThan(seconds / 2);
  }, 30_000);

  it('fetches the metadata from a peer and downloads by info-hash alone', async () => {
    const release = await makeRelease('1.1.0', { 'x/y.bin': 700_000, 'z.bin': 5 });
    const seeder = await client();
    await seeder.seed(release.torrentFile, release.root);
    const downloader = await client();
    const torrentFile = await downloader.metadata(release.infoHash, {
      peers: [seeder.address],
      signal: AbortSignal.timeout(10_000),
    });
    expect(torrentFile.length).toBeGreaterThan(0);
    const result = await downloader.download({
      infoHash: release.infoHash,
      dir: tempDir(),
      expectedLength: release.length,
      expectedFiles: release.files,
      peers: [seeder.address],
      signal: AbortSignal.timeout(10_000),
    });
    expectSameFiles(result.filesDir, release);
    expect(result.fromPeers).toBe(release.length);
  }, 30_000);

  it('answers WebSocket announces on the same port (for browsers)', async () => {
    const origin = await startOrigin();
    const socket = new WebSocket(origin.tracker.wsUrl(origin.base));
    cleanups.push(() => socket.terminate());
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const reply = new Promise<Record<string, unknown>>((resolve) =>
      socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as never)),
    );
    const binary = (hex: string) => Buffer.from(hex, 'hex').toString('latin1');
    socket.send(
      JSON.stringify({
        action: 'announce',
        info_hash: binary('11'.repeat(20)),
        peer_id: binary('22'.repeat(20)),
        event: 'started',
        numwant: 0,
        uploaded: 0,
        downloaded: 0,
        left: 1,
      }),
    );
    expect(await reply).toMatchObject({ action: 'announce', incomplete: 1 });
    expect(origin.tracker.swarm('11'.repeat(20))).toEqual({ complete: 0, incomplete: 1 });
  });

  it('refuses a torrent of another length than the manifest promises', async () => {
    const release = await makeRelease('1.0.0', { 'a.bin': 100_000 });
    const downloader = await client();
    const error = await downloader
      .download({ torrentFile: release.torrentFile, dir: tempDir(), expectedLength: 99_999 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BulkError);
    expect((error as BulkError).reason).toBe('length-mismatch');
  }, 15_000);

  describe('a web seed that serves wrong bytes', () => {
    /** A copy of the release with every file's bytes flipped, served as its web seed. */
    async function lyingOrigin(release: Release): Promise<Origin> {
      const origin = await startOrigin();
      const root = tempDir();
      for (const file of release.files) {
        const bytes = readFileSync(join(release.root, release.version, file.path));
        for (let i = 0; i < bytes.length; i += 1000) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
        mkdirSync(join(root, release.version, file.path, '..'), { recursive: true });
        writeFileSync(join(root, release.version, file.path), bytes);
      }
      origin.webSeeds.set(release.infoHash, releaseWebSeed(root, release));
      return origin;
    }

    it('is banned and the download fails clearly when it is the only source', async () => {
      const release = await makeRelease('2.0.0', { 'a.bin': 2 * MB, 'b.bin': MB });
      const origin = await lyingOrigin(release);
      const downloader = await client();
      const started = Date.now();
      const error = await downloader
        .download({
          torrentFile: release.torrentFile,
          dir: tempDir(),
          expectedLength: release.length,
          webSeeds: [webSeedUrl(`${origin.base}/bulk/`, release.infoHash)],
          fallback: { graceMs: 0 },
          signal: AbortSignal.timeout(20_000),
        })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BulkError);
      expect((error as BulkError).reason).toBe('corrupt-source');
      expect((error as BulkError).message).toMatch(/failed verification; banned webSeed/);
      expect(Date.now() - started).toBeLessThan(10_000);
    }, 30_000);

    it('is banned while an honest peer completes the download', async () => {
      const release = await makeRelease('2.0.0', { 'a.bin': 3 * MB, 'b.bin': MB });
      const origin = await lyingOrigin(release);
      // A slow honest peer, so the lying web seed gets its chance first.
      const honest = await client({ uploadLimit: 2 * MB });
      await honest.seed(release.torrentFile, release.root);
      const downloader = await client();
      const result = await downloader.download({
        torrentFile: release.torrentFile,
        dir: tempDir(),
        expectedLength: release.length,
        peers: [honest.address],
        webSeeds: [webSeedUrl(`${origin.base}/bulk/`, release.infoHash)],
        fallback: { graceMs: 0 },
        signal: AbortSignal.timeout(20_000),
      });
      expectSameFiles(result.filesDir, release);
      expect(result.hashFailures).toBeGreaterThan(0);
      expect(result.banned.map((source) => source.kind)).toEqual(['webSeed']);
      expect(result.fromPeers).toBeGreaterThanOrEqual(release.length - result.fromWebSeed);
    }, 30_000);
  });

  describe('the web-seed router', () => {
    /** GET with the path sent exactly as written (fetch would normalise `..`). */
    function rawGet(
      base: string,
      path: string,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
      return new Promise((resolve, reject) => {
        const { hostname, port } = new URL(base);
        const req = request({ hostname, port, path, headers, timeout: 5_000 }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks),
              headers: res.headers,
            }),
          );
        });
        req.on('error', reject);
        req.end();
      });
    }

    it('refuses path traversal and serves only registered files', async () => {
      const release = await makeRelease('4.0.0', { 'a.bin': 1000, 'sub/b.bin': 2000 });
      writeFileSync(join(release.root, 'secret.txt'), 'not for the swarm');
      writeFileSync(join(release.root, release.version, 'unlisted.txt'), 'not in the torrent');
      const origin = await startOrigin();
      origin.webSeeds.set(release.infoHash, releaseWebSeed(release.root, release));
      const at = `/bulk/${release.infoHash}`;
      for (const path of [
        `${at}/4.0.0/../secret.txt`,
        `${at}/../../../../etc/passwd`,
        `${at}/4.0.0/sub/../../secret.txt`,
        `${at}/4.0.0/%2e%2e/secret.txt`,
        `${at}/4.0.0/..%2Fsecret.txt`,
        `${at}/4.0.0/sub%2F..%2F..%2Fsecret.txt`,
        `${at}/4.0.0/..%5Csecret.txt`,
      ]) {
        const response = await rawGet(origin.base, path);
        expect(response.status, path).toBe(400);
        expect(response.body.toString()).not.toContain('not for the swarm');
      }
      for (const path of [`${at}/4.0.0/unlisted.txt`, `${at}/secret.txt`, `${at}/`])
        expect((await rawGet(origin.base, path)).status, path).toBe(404);
      expect(origin.served.get(release.infoHash)).toBeUndefined();
    });

    it('serves byte ranges and counts every byte', async () => {
      const release = await makeRelease('4.0.0', { 'a.bin': 1000, 'sub/b.bin': 2000 });
      const origin = await startOrigin();
      origin.webSeeds.set(release.infoHash, releaseWebSeed(release.root, release));
      const path = `/bulk/${release.infoHash}/4.0.0/sub/b.bin`;
      const whole = readFileSync(join(release.root, '4.0.0', 'sub', 'b.bin'));
      const ranged = await rawGet(origin.base, path, { range: 'bytes=100-199' });
      expect(ranged.status).toBe(206);
      expect(ranged.headers['content-range']).toBe('bytes 100-199/2000');
      expect(ranged.body.equals(whole.subarray(100, 200))).toBe(true);
      const full = await rawGet(origin.base, path);
      expect(full.status).toBe(200);
      expect(full.body.equals(whole)).toBe(true);
      expect((await rawGet(origin.base, path, { range: 'bytes=0-1,5-6' })).status).toBe(416);
      expect(origin.served.get(release.infoHash)).toBe(100 + 2000);
    });
  });
});
