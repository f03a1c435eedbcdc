/**
 * Crash safety of the installer with real processes: a child installs a multi-MB release slowly
 * and is SIGKILLed mid-download, after the version directory is in place, and with the new
 * `current` link half made. After every kill `current` is absent or names a complete install, and
 * a re-run resumes to the right bytes with nothing left behind.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseManifest } from '../../src/contracts/channel.js';
import { installRelease, stagingDirSource } from '../../src/swarm/channel/installer.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const INSTALLER = join(ROOT, 'src/swarm/channel/installer.ts');
const CHILD_BOUND_MS = 20_000;

/** The child: installs slowly, reports each progress event on stdout, and can freeze at a phase. */
const CHILD = `
const { pathToFileURL } = await import('node:url');
const { installRelease, stagingDirSource } = await import(pathToFileURL(process.env.INSTALLER).href);
const staged = stagingDirSource(process.env.SOURCE_DIR);
const delay = Number(process.env.DELAY_MS);
async function* slow(file, signal) {
  for await (const chunk of staged(file, signal)) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    yield chunk;
  }
}
await installRelease({
  manifest: JSON.parse(process.env.MANIFEST),
  into: process.env.INTO,
  source: slow,
  onProgress(event) {
    process.stdout.write(JSON.stringify(event) + '\\n');
    // Blocks the whole process, so the SIGKILL lands exactly after this phase.
    if (event.phase === process.env.FREEZE_AT)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30000);
  },
});
process.stdout.write('{"phase":"done"}\\n');
`;

interface Progress {
  phase: string;
  path?: string;
  bytes?: number;
}

function payloadFile(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i += 4) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    out.writeInt32LE(x, i);
  }
  return out;
}

function stage(dir: string, version: string, files: Record<string, Buffer>): ReleaseManifest {
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), data);
  }
  return {
    version,
    infoHash: '00'.repeat(20),
    files: Object.entries(files).map(([path, data]) => ({
      path,
      length: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    })),
  };
}

let scratch: string;
let v1: ReleaseManifest;
let v2: ReleaseManifest;
let v1Dir: string;
let v2Dir: string;
const v2Files = {
  'bin/app': payloadFile(1 << 20, 1),
  'data/big.bin': payloadFile(4 << 20, 2),
  'data/more.bin': payloadFile(1 << 20, 3),
};

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'swarmcast-crash-'));
  v1Dir = join(scratch, 'staging-1');
  v2Dir = join(scratch, 'staging-2');
  v1 = stage(v1Dir, '1.0.0', { 'bin/app': payloadFile(4096, 9) });
  v2 = stage(v2Dir, '2.0.0', v2Files);
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** True if `dir` holds exactly `manifest`'s files with their signed bytes. */
function complete(dir: string, manifest: ReleaseManifest): boolean {
  const found = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) =>
    e.isFile(),
  );
  if (found.length !== manifest.files.length) return false;
  return manifest.files.every((file) => {
    const path = join(dir, file.path);
    if (!existsSync(path)) return false;
    return createHash('sha256').update(readFileSync(path)).digest('hex') === file.sha256;
  });
}

/** `current` is absent or names a complete install of a known release. */
function expectCurrentSound(into: string): string | undefined {
  if (!existsSync(join(into, 'current'))) return undefined;
  const version = readlinkSync(join(into, 'current'));
  const manifest = [v1, v2].find((m) => m.version === version);
  expect(manifest, `current -> ${version}`).toBeDefined();
  expect(complete(join(into, version), manifest!)).toBe(true);
  return version;
}

/**
 * Runs the child installing v2 into `into`, SIGKILLs it once `killWhen` holds for a progress
 * event, and returns every target `current` was seen pointing at meanwhile.
 */
async function installAndKill(
  into: string,
  killWhen: (event: Progress) => boolean,
  freezeAt = '',
): Promise<{ seen: Set<string>; events: Progress[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      INSTALLER,
      SOURCE_DIR: v2Dir,
      MANIFEST: JSON.stringify(v2),
      INTO: into,
      DELAY_MS: '5',
      FREEZE_AT: freezeAt,
    },
  });
  const seen = new Set<string>();
  const events: Progress[] = [];
  let stderr = '';
  const poll = setInterval(() => {
    try {
      seen.add(readlinkSync(join(into, 'current')));
    } catch {
      // Not there yet.
    }
  }, 2);
  let buffered = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    buffered += text;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const event = JSON.parse(buffered.slice(0, newline)) as Progress;
      buffered = buffered.slice(newline + 1);
      events.push(event);
      if (killWhen(event)) child.kill('SIGKILL');
    }
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const signal = await Promise.race([
      new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('close', (_code, signal) => resolve(signal)),
      ),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`child still running; ${stderr}`)),
          CHILD_BOUND_MS,
        );
      }),
    ]);
    expect(signal, `child was not killed: ${stderr}`).toBe('SIGKILL');
  } finally {
    clearTimeout(timer);
    clearInterval(poll);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  return { seen, events };
}

const leftovers = (into: string) => readdirSync(into).filter((name) => name.startsWith('.'));

describe('installer crash safety', () => {
  it('a first install killed mid-download leaves no current; the next run installs', async () => {
    const into = join(scratch, 'first');
    const { seen } = await installAndKill(
      into,
      (e) => e.phase === 'file' && e.path === 'data/big.bin' && (e.bytes ?? 0) >= 1 << 20,
    );
    expect(seen.size).toBe(0);
    expect(existsSync(join(into, 'current'))).toBe(false);
    expect(leftovers(into).some((name) => name.startsWith('.tmp-'))).toBe(true);
    const result = await installRelease({ manifest: v2, into, source: stagingDirSource(v2Dir) });
    expect(result.reused).toBe(false);
    expect(expectCurrentSound(into)).toBe('2.0.0');
    expect(leftovers(into)).toEqual([]);
  });

  it('an upgrade killed at three points keeps current on the old release, then resumes', async () => {
    const into = join(scratch, 'upgrade');
    await installRelease({ manifest: v1, into, source: stagingDirSource(v1Dir) });

    const midDownload = await installAndKill(
      into,
      (e) => e.phase === 'file' && e.path === 'data/big.bin' && (e.bytes ?? 0) >= 2 << 20,
    );
    expect([...midDownload.seen]).toEqual(['1.0.0']);
    expect(expectCurrentSound(into)).toBe('1.0.0');
    expect(existsSync(join(into, '2.0.0'))).toBe(false);

    const installed = await installAndKill(into, (e) => e.phase === 'installed', 'installed');
    expect([...installed.seen]).toEqual(['1.0.0']);
    expect(expectCurrentSound(into)).toBe('1.0.0');
    expect(complete(join(into, '2.0.0'), v2)).toBe(true);

    const switching = await installAndKill(into, (e) => e.phase === 'switching', 'switching');
    // This run found 2.0.0 complete, so it went straight to the switch.
    expect(switching.events.some((e) => e.phase === 'file')).toBe(false);
    expect([...switching.seen]).toEqual(['1.0.0']);
    expect(expectCurrentSound(into)).toBe('1.0.0');
    expect(leftovers(into).some((name) => name.startsWith('.current-'))).toBe(true);

    const result = await installRelease({ manifest: v2, into, source: stagingDirSource(v2Dir) });
    expect(result.reused).toBe(true);
    expect(expectCurrentSound(into)).toBe('2.0.0');
    for (const [path, data] of Object.entries(v2Files))
      expect(readFileSync(join(into, 'current', path)).equals(data)).toBe(true);
    expect(leftovers(into)).toEqual([]);
  });
});
