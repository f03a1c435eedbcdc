/**
 * Installing a release: only bytes that match the signed manifest are installed, and `current`
 * moves only to a complete install. Covers mix-and-match, endless data and arbitrary-file threats.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReleaseFile, ReleaseManifest } from '../../src/contracts/channel.js';
import { limitLength } from '../../src/swarm/channel/file-check.js';
import { LOCK_NAME } from '../../src/swarm/channel/install-lock.js';
import {
  currentVersion,
  installRelease,
  stagingDirSource,
  type FileSource,
} from '../../src/swarm/channel/installer.js';
import { reasonOfAsync as reasonOf } from '../helpers/channel-error.js';

type Payload = Record<string, Uint8Array>;

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
}

function manifestOf(version: string, payload: Payload): ReleaseManifest {
  const files: ReleaseFile[] = Object.entries(payload).map(([path, data]) => ({
    path,
    length: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
  }));
  return { version, files, infoHash: 'ab'.repeat(20) };
}

/** A turn of the event loop, as between network reads. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Serves each file in chunks from memory, as peers would. */
function memorySource(payload: Payload, chunk = 1000): FileSource {
  return async function* (file) {
    const data = payload[file.path] ?? new Uint8Array();
    for (let at = 0; at < data.length; at += chunk) {
      await tick();
      yield data.subarray(at, at + chunk);
    }
  };
}

const v1: Payload = { 'bin/app': bytes(5000, 1), 'README.md': bytes(300, 2) };
const v2: Payload = {
  'bin/app': bytes(7000, 3),
  'README.md': bytes(310, 4),
  'lib/x.so': bytes(9, 5),
};

let into: string;
let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'swarmcast-install-'));
  into = join(scratch, 'apps');
});
afterEach(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function expectInstalled(version: string, payload: Payload): void {
  for (const [path, data] of Object.entries(payload))
    expect(readFileSync(join(into, 'current', path)), path).toEqual(Buffer.from(data));
  expect(readlinkSync(join(into, 'current'))).toBe(version);
}

/** Nothing but version directories and `current`: no temp leftovers, no lock. */
function expectTidy(versions: string[]): void {
  expect(readdirSync(into).sort()).toEqual([...versions, 'current'].sort());
}

describe('installRelease', () => {
  it('installs into <into>/<version>/ and points current at it', async () => {
    const result = await installRelease({
      manifest: manifestOf('1.0.0', v1),
      into,
      source: memorySource(v1),
    });
    expect(result).toEqual({ version: '1.0.0', dir: join(into, '1.0.0'), reused: false });
    expectInstalled('1.0.0', v1);
    expect(await currentVersion(into)).toBe('1.0.0');
    expectTidy(['1.0.0']);
  });

  it('switches to a newer version, keeping the old one, and reuses a complete install', async () => {
    await installRelease({ manifest: manifestOf('1.0.0', v1), into, source: memorySource(v1) });
    await installRelease({ manifest: manifestOf('2.0.0', v2), into, source: memorySource(v2) });
    expectInstalled('2.0.0', v2);
    const never: FileSource = () => {
      throw new Error('a complete install must not be downloaded again');
    };
    const again = await installRelease({ manifest: manifestOf('1.0.0', v1), into, source: never });
    expect(again.reused).toBe(true);
    expectInstalled('1.0.0', v1);
    expectTidy(['1.0.0', '2.0.0']);
  });

  it('reads files from a staging directory', async () => {
    const staging = join(scratch, 'staging');
    for (const [path, data] of Object.entries(v2)) {
      mkdirSync(dirname(join(staging, path)), { recursive: true });
      writeFileSync(join(staging, path), data);
    }
    await installRelease({
      manifest: manifestOf('2.0.0', v2),
      into,
      source: stagingDirSource(staging),
    });
    expectInstalled('2.0.0', v2);
  });

  it('arbitrary file: a hash mismatch installs nothing and leaves current alone', async () => {
    await installRelease({ manifest: manifestOf('1.0.0', v1), into, source: memorySource(v1) });
    const evil = { ...v2, 'lib/x.so': Uint8Array.from([6, 6, 6, 6, 6, 6, 6, 6, 6]) };
    const reason = await reasonOf(() =>
      installRelease({ manifest: manifestOf('2.0.0', v2), into, source: memorySource(evil) }),
    );
    expect(reason).toBe('hash-mismatch');
    expectInstalled('1.0.0', v1);
    expectTidy(['1.0.0']);
  });

  it('mix-and-match: a file of another validly published release is refused', async () => {
    await installRelease({ manifest: manifestOf('1.0.0', v1), into, source: memorySource(v1) });
    // Same lengths as v1's files, but v1's bytes served for v1b's manifest.
    const v1b: Payload = { 'bin/app': bytes(5000, 9), 'README.md': v1['README.md']! };
    const mixed = await reasonOf(() =>
      installRelease({ manifest: manifestOf('1.0.1', v1b), into, source: memorySource(v1) }),
    );
    expect(mixed).toBe('hash-mismatch');
    const shorter = await reasonOf(() =>
      installRelease({ manifest: manifestOf('2.0.0', v2), into, source: memorySource(v1) }),
    );
    expect(shorter).toBe('length-mismatch');
    expectInstalled('1.0.0', v1);
    expectTidy(['1.0.0']);
  });

  it('endless data: a source sending forever is cut off at the first byte too many', async () => {
    let sent = 0;
    let stopped = false;
    const endless: FileSource = async function* () {
      try {
        for (;;) {
          await tick();
          sent += 4096;
          yield new Uint8Array(4096);
        }
      } finally {
        stopped = true;
      }
    };
    const reason = await reasonOf(() =>
      installRelease({ manifest: manifestOf('1.0.0', v1), into, source: endless }),
    );
    expect(reason).toBe('too-long');
    expect(sent).toBeLessThanOrEqual(5000 + 4096);
    expect(stopped).toBe(true);
    expect(existsSync(join(into, 'current'))).toBe(false);
    expect(readdirSync(into)).toEqual([]);
  });

  it('cleans up after a crash: temp dirs, temp links and a dead process lock', async () => {
    await installRelease({ manifest: manifestOf('1.0.0', v1), into, source: memorySource(v1) });
    mkdirSync(join(into, '.tmp-2.0.0-abc/bin'), { recursive: true });
    writeFileSync(join(into, '.tmp-2.0.0-abc/bin/app'), 'partial');
    symlinkSync('2.0.0', join(into, '.current-123-456'));
    writeFileSync(join(into, LOCK_NAME), '2147483646\n'); // above any pid Linux hands out
    await installRelease({ manifest: manifestOf('2.0.0', v2), into, source: memorySource(v2) });
    expectInstalled('2.0.0', v2);
    expectTidy(['1.0.0', '2.0.0']);
  });

  it('replaces a damaged <version>/ that current does not name', async () => {
    await installRelease({ manifest: manifestOf('1.0.0', v1), into, source: memorySource(v1) });
    await installRelease({ manifest: manifestOf('2.0.0', v2), into, source: memorySource(v2) });
    writeFileSync(join(into, '1.0.0', 'README.md'), 'tampered');
    writeFileSync(join(into, '1.0.0', 'extra'), 'x');
    const result = await installRelease({
      manifest: manifestOf('1.0.0', v1),
      into,
      source: memorySource(v1),
    });
    expect(result.reused).toBe(false);
    expectInstalled('1.0.0', v1);
    expect(existsSync(join(into, '1.0.0', 'extra'))).toBe(false);
    expectTidy(['1.0.0', '2.0.0']);
  });

  it('refuses to replace the current install with different content under the same version', async () => {
    await installRelease({ manifest: manifestOf('1.0.0', v1), into, source: memorySource(v1) });
    const reason = await reasonOf(() =>
      installRelease({ manifest: manifestOf('1.0.0', v2), into, source: memorySource(v2) }),
    );
    expect(reason).toBe('version-conflict');
    expectInstalled('1.0.0', v1);
  });

  it('refuses a second installer into the same directory while one runs', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: FileSource = async function* (file) {
      await gate;
      yield* memorySource(v1)(file);
    };
    const first = installRelease({ manifest: manifestOf('1.0.0', v1), into, source: slow });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(
      installRelease({ manifest: manifestOf('2.0.0', v2), into, source: memorySource(v2) }),
    ).rejects.toThrow(/being installed into by process/);
    release();
    await first;
    expectInstalled('1.0.0', v1);
  });

  it('refuses unsafe versions and paths even in a manifest that skipped the envelope checks', async () => {
    for (const manifest of [
      { ...manifestOf('1.0.0', v1), version: '../escape' },
      { ...manifestOf('1.0.0', v1), version: 'current' },
      manifestOf('1.0.0', { '../../outside': bytes(1, 1) }),
    ]) {
      expect(
        await reasonOf(() => installRelease({ manifest, into, source: memorySource(v1) })),
      ).toBe('malformed');
    }
    expect(existsSync(join(scratch, 'outside'))).toBe(false);
  });

  it('lays out a tree as signed: nested paths, empty files, empty folders, executable modes', async () => {
    const payload: Payload = {
      'bin/tool': bytes(700, 6),
      'etc/empty.conf': new Uint8Array(),
      'README.md': bytes(20, 7),
    };
    const manifest: ReleaseManifest = {
      ...manifestOf('3.0.0', payload),
      emptyDirs: ['logs', 'var/cache'],
    };
    manifest.files[0]!.executable = true;
    const staging = join(scratch, 'staging');
    // A torrent client need not create an empty file: the installer must not ask for one.
    for (const [path, data] of Object.entries(payload)) {
      if (data.length === 0) continue;
      mkdirSync(dirname(join(staging, path)), { recursive: true });
      writeFileSync(join(staging, path), data);
    }
    await installRelease({ manifest, into, source: stagingDirSource(staging) });
    expectInstalled('3.0.0', payload);
    const current = join(into, 'current');
    expect(statSync(join(current, 'bin/tool')).mode & 0o111).not.toBe(0);
    expect(statSync(join(current, 'README.md')).mode & 0o111).toBe(0);
    expect(statSync(join(current, 'etc/empty.conf')).size).toBe(0);
    for (const dir of ['logs', 'var/cache']) expect(readdirSync(join(current, dir))).toEqual([]);

    // A complete tree is reused; one whose mode, folders or entries differ is installed afresh.
    const again = () => installRelease({ manifest, into, source: memorySource(payload) });
    expect((await again()).reused).toBe(true);
    await installRelease({ manifest: manifestOf('1.0.0', v1), into, source: memorySource(v1) });
    chmodSync(join(into, '3.0.0', 'bin/tool'), 0o644);
    expect((await again()).reused).toBe(false);
    expect(statSync(join(current, 'bin/tool')).mode & 0o100).not.toBe(0);
    await installRelease({ manifest: manifestOf('1.0.0', v1), into, source: memorySource(v1) });
    rmSync(join(into, '3.0.0', 'logs'), { recursive: true });
    expect((await again()).reused).toBe(false);
    expect(readdirSync(join(current, 'logs'))).toEqual([]);
  });

  it('follows no symlink: not in staging, not in a <version>/ it would reuse', async () => {
    const outside = join(scratch, 'secret');
    writeFileSync(outside, v1['README.md']!);
    const staging = join(scratch, 'staging');
    mkdirSync(join(staging, 'bin'), { recursive: true });
    writeFileSync(join(staging, 'bin/app'), v1['bin/app']!);
    // A staging file swapped for a link to a file that happens to have the signed bytes.
    symlinkSync(outside, join(staging, 'README.md'));
    await expect(
      installRelease({
        manifest: manifestOf('1.0.0', v1),
        into,
        source: stagingDirSource(staging),
      }),
    ).rejects.toThrow(/ELOOP|symbolic link/);
    expect(await currentVersion(into)).toBeUndefined();

    // A <version>/ left with a link in it has the right bytes behind the link, but is not reused.
    await installRelease({ manifest: manifestOf('2.0.0', v2), into, source: memorySource(v2) });
    mkdirSync(join(into, '1.0.0', 'bin'), { recursive: true });
    writeFileSync(join(into, '1.0.0', 'bin/app'), v1['bin/app']!);
    symlinkSync(outside, join(into, '1.0.0', 'README.md'));
    const result = await installRelease({
      manifest: manifestOf('1.0.0', v1),
      into,
      source: memorySource(v1),
    });
    expect(result.reused).toBe(false);
    expect(lstatSync(join(into, 'current', 'README.md')).isSymbolicLink()).toBe(false);
    expectInstalled('1.0.0', v1);
  });

  it('stops when aborted, leaving current alone', async () => {
    await installRelease({ manifest: manifestOf('1.0.0', v1), into, source: memorySource(v1) });
    const controller = new AbortController();
    const source: FileSource = async function* (file, signal) {
      controller.abort();
      signal?.throwIfAborted();
      yield* memorySource(v2)(file);
    };
    await expect(
      installRelease({
        manifest: manifestOf('2.0.0', v2),
        into,
        source,
        signal: controller.signal,
      }),
    ).rejects.toThrow();
    expectInstalled('1.0.0', v1);
    expectTidy(['1.0.0']);
  });
});

describe('limitLength', () => {
  async function collect(chunks: AsyncIterable<Uint8Array>): Promise<number> {
    let total = 0;
    for await (const chunk of chunks) total += chunk.length;
    return total;
  }

  async function* chunks(sizes: number[]) {
    for (const size of sizes) {
      await tick();
      yield new Uint8Array(size);
    }
  }

  it('passes up to the limit through untouched', async () => {
    expect(await collect(limitLength(chunks([3, 3, 4]), 10))).toBe(10);
  });

  it('throws too-long on the chunk that crosses the limit, without passing it on', async () => {
    const seen: number[] = [];
    const guarded = limitLength(chunks([4, 4, 4, 4]), 10, 'segment 7');
    await expect(
      (async () => {
        for await (const chunk of guarded) seen.push(chunk.length);
      })(),
    ).rejects.toThrow(/segment 7: more than the 10 bytes promised/);
    expect(seen).toEqual([4, 4]);
  });
});
