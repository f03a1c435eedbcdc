/**
 * The bulk plane's pure parts: the release torrent is deterministic (same files → same info-hash,
 * wherever they are), the Range parser, the web seed's URL-to-file mapping, and the fallback rule.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BulkError } from '../../src/swarm/bulk/bulk-error.js';
import { parseByteRange } from '../../src/swarm/bulk/byte-range.js';
import {
  createReleaseTorrent,
  MAX_PIECE_LENGTH,
  MIN_PIECE_LENGTH,
  releasePieceLength,
} from '../../src/swarm/bulk/release-torrent.js';
import { DEFAULT_FALLBACK_POLICY, fallbackReason } from '../../src/swarm/bulk/web-seed-fallback.js';
import { webSeedTarget, type WebSeedTorrent } from '../../src/swarm/bulk/web-seed.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarmcast-bulk-unit-'));
  dirs.push(dir);
  return dir;
}

/** Writes `files` under a fresh directory and returns the torrent builder's file list. */
function place(files: Record<string, Uint8Array>): { path: string; absPath: string }[] {
  const root = tempDir();
  return Object.entries(files).map(([path, bytes]) => {
    const absPath = join(root, ...path.split('/'));
    mkdirSync(join(absPath, '..'), { recursive: true });
    writeFileSync(absPath, bytes);
    return { path, absPath };
  });
}

describe('createReleaseTorrent', () => {
  const content = {
    'bin/app': randomBytes(300_000),
    'README.md': randomBytes(1_000),
    'share/empty': new Uint8Array(0),
  };

  it('gives the same info-hash for the same files in other places, trackers or web seeds', async () => {
    const first = await createReleaseTorrent({ name: '1.2.3', files: place(content) });
    const second = await createReleaseTorrent({
      name: '1.2.3',
      files: place(content),
      webSeeds: ['http://origin.example:8080/bulk/'],
      announce: ['http://origin.example:8080/announce'],
    });
    expect(second.infoHash).toBe(first.infoHash);
    expect(first.infoHash).toMatch(/^[0-9a-f]{40}$/);
    expect(first.length).toBe(301_000);
    expect(first.pieceLength).toBe(MIN_PIECE_LENGTH);
    const again = await createReleaseTorrent({ name: '1.2.3', files: place(content) });
    expect(Buffer.from(again.torrentFile).equals(Buffer.from(first.torrentFile))).toBe(true);

    const text = Buffer.from(second.torrentFile).toString('latin1');
    expect(text).not.toContain('creation date');
    expect(text).not.toContain('created by');
    expect(text).toContain(`8:url-listl${'http://origin.example:8080/bulk/'.length + 41}:`);
    expect(text).toContain(`http://origin.example:8080/bulk/${first.infoHash}/`);
    // Paths are lists of segments under the version's name, in manifest order.
    expect(text).toContain('4:pathl3:bin3:appe');
    expect(text.indexOf('3:app')).toBeLessThan(text.indexOf('9:README.md'));
    expect(text).toContain('4:name5:1.2.3');
  });

  it('changes the info-hash with the name, the order or one byte', async () => {
    const base = await createReleaseTorrent({ name: '1.2.3', files: place(content) });
    const renamed = await createReleaseTorrent({ name: '1.2.4', files: place(content) });
    const files = place(content);
    const reordered = await createReleaseTorrent({ name: '1.2.3', files: [...files].reverse() });
    const changedApp = Buffer.from(content['bin/app']);
    changedApp[12_345] = (changedApp[12_345] ?? 0) ^ 1;
    const changed = await createReleaseTorrent({
      name: '1.2.3',
      files: place({ ...content, 'bin/app': changedApp }),
    });
    const hashes = new Set([base, renamed, reordered, changed].map((torrent) => torrent.infoHash));
    expect(hashes.size).toBe(4);
  });

  it('refuses names and paths that cannot be installed', async () => {
    const files = place({ 'a.bin': randomBytes(10) });
    const file = files[0]!;
    const attempts = [
      { name: '../evil', files },
      { name: '1.0', files: [{ ...file, path: '../a.bin' }] },
      { name: '1.0', files: [{ ...file, path: '/abs' }] },
      { name: '1.0', files: [file, file] },
      { name: '1.0', files: place({ 'empty.bin': new Uint8Array(0) }) },
      { name: '1.0', files: [{ ...file, absPath: join(tempDir(), 'absent') }] },
    ];
    for (const attempt of attempts) {
      const error = await createReleaseTorrent(attempt).catch((caught: unknown) => caught);
      expect(error, JSON.stringify(attempt.name)).toBeInstanceOf(BulkError);
      expect((error as BulkError).reason).toBe('invalid-release');
    }
  });

  it('sizes pieces from the total: at least 64 KiB, about 1024 pieces, at most 4 MiB', () => {
    expect(releasePieceLength(1)).toBe(MIN_PIECE_LENGTH);
    expect(releasePieceLength(64 * 1024 * 1024)).toBe(MIN_PIECE_LENGTH);
    expect(releasePieceLength(64 * 1024 * 1024 + 1)).toBe(128 * 1024);
    expect(releasePieceLength(1024 * 1024 * 1024)).toBe(1024 * 1024);
    expect(releasePieceLength(1e12)).toBe(MAX_PIECE_LENGTH);
  });
});

describe('parseByteRange', () => {
  it('serves one range, clamped to the file, and refuses the rest', () => {
    expect(parseByteRange(undefined, 100)).toEqual({ kind: 'whole' });
    expect(parseByteRange('bytes=0-9', 100)).toEqual({ kind: 'range', start: 0, end: 9 });
    expect(parseByteRange('bytes=90-200', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
    expect(parseByteRange('bytes=95-', 100)).toEqual({ kind: 'range', start: 95, end: 99 });
    expect(parseByteRange('bytes=-10', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
    for (const refused of [
      'bytes=0-1,5-6',
      'bytes=100-',
      'bytes=5-4',
      'bytes=-0',
      'items=0-1',
      'bytes=-',
    ])
      expect(parseByteRange(refused, 100), refused).toEqual({ kind: 'refused' });
  });
});

describe('webSeedTarget', () => {
  const hash = 'ab'.repeat(20);
  const multi: WebSeedTorrent = { dir: '/srv/releases', name: '2.0', files: ['bin/app', 'README'] };
  const lookup = (infoHash: string) => (infoHash === hash ? multi : undefined);

  it('maps WebTorrent and BEP 19 URLs to the registered files only', () => {
    expect(webSeedTarget(`/${hash}/2.0/bin/app`, lookup)).toEqual({
      infoHash: hash,
      file: '/srv/releases/2.0/bin/app',
    });
    expect(webSeedTarget(`/${hash}/2.0/bin%20app`, lookup)).toMatchObject({ status: 404 });
    expect(webSeedTarget(`/${hash}/2.0/other`, lookup)).toMatchObject({ status: 404 });
    expect(webSeedTarget(`/${hash}/`, lookup)).toMatchObject({ status: 404 });
    expect(webSeedTarget(`/${'cd'.repeat(20)}/2.0/README`, lookup)).toMatchObject({ status: 404 });
    const one = { dir: '/d', name: '1.0', files: ['only.bin'] };
    expect(webSeedTarget(`/${hash}/`, () => one)).toMatchObject({ file: '/d/1.0/only.bin' });
    const single = { dir: '/d', name: 'file.iso' };
    expect(webSeedTarget(`/${hash}`, () => single)).toMatchObject({ file: '/d/file.iso' });
    expect(webSeedTarget(`/${hash}/file.iso`, () => single)).toMatchObject({ file: '/d/file.iso' });
  });

  it('refuses traversal before looking anything up', () => {
    for (const path of [
      `/${hash}/2.0/../2.0/README`,
      `/${hash}/2.0/%2e%2e/secret`,
      `/${hash}/2.0/bin%2Fapp`,
      `/${hash}/2.0/bin/..%2F..%2Fetc%2Fpasswd`,
      `/${hash}/2.0//README`,
      `/${hash}/2.0/a%5C..%5Cb`,
      `/${hash}/2.0/%00`,
      `/${hash}/2.0/%E0%A4%A`,
    ])
      expect(webSeedTarget(path, lookup), path).toMatchObject({ status: 400 });
  });
});

describe('fallbackReason', () => {
  const policy = DEFAULT_FALLBACK_POLICY;
  it('waits out the grace period, then falls back on silence or a slow trickle', () => {
    expect(fallbackReason([{ atMs: 1000, bytes: 0 }], 0, 1000, policy)).toBeUndefined();
    expect(fallbackReason([{ atMs: 1500, bytes: 0 }], 0, 1500, policy)).toMatch(/no peer bytes/);
    const fast = [
      { atMs: 1000, bytes: 0 },
      { atMs: 2000, bytes: 1_000_000 },
      { atMs: 5000, bytes: 4_000_000 },
    ];
    expect(fallbackReason(fast, 0, 5000, policy)).toBeUndefined();
    const slow = [
      { atMs: 1000, bytes: 1_000 },
      { atMs: 2000, bytes: 2_000 },
      { atMs: 5000, bytes: 5_000 },
    ];
    expect(fallbackReason(slow, 0, 5000, policy)).toMatch(/peers deliver 1000 B\/s/);
    expect(fallbackReason([{ atMs: 0, bytes: 0 }], 0, 0, { ...policy, graceMs: 0 })).toMatch(
      /no peer bytes/,
    );
  });
});
