/**
 * Finds the ffmpeg binary: `--ffmpeg`, then `FFMPEG_PATH`, then the npm-shipped binary
 * (`@ffmpeg-installer/ffmpeg`), then `ffmpeg` on PATH.
 */
import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { RuntimeError, UsageError } from '../errors.js';

export type FfmpegOrigin = 'flag' | 'env' | 'npm' | 'path';

export interface FfmpegLocation {
  path: string;
  origin: FfmpegOrigin;
}

/** The places to look, injectable so the order can be tested without touching the machine. */
export interface FfmpegProbe {
  env: NodeJS.ProcessEnv;
  npmBinary: () => string | undefined;
  isExecutable: (path: string) => boolean;
}

export function locateFfmpeg(
  flag: string | undefined,
  probe: FfmpegProbe = defaultProbe(),
): FfmpegLocation {
  if (flag) {
    if (!probe.isExecutable(flag)) throw new UsageError(`--ffmpeg ${flag}: not an executable file`);
    return { path: flag, origin: 'flag' };
  }
  const fromEnv = probe.env.FFMPEG_PATH;
  if (fromEnv) {
    if (!probe.isExecutable(fromEnv)) {
      throw new UsageError(`FFMPEG_PATH=${fromEnv}: not an executable file`);
    }
    return { path: fromEnv, origin: 'env' };
  }
  const shipped = probe.npmBinary();
  if (shipped && probe.isExecutable(shipped)) return { path: shipped, origin: 'npm' };
  for (const dir of (probe.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'ffmpeg');
    if (probe.isExecutable(candidate)) return { path: candidate, origin: 'path' };
  }
  throw new RuntimeError(
    'ffmpeg not found: reinstall with `npm ci` (it ships one), set FFMPEG_PATH, or pass --ffmpeg <path>',
  );
}

function defaultProbe(): FfmpegProbe {
  return { env: process.env, npmBinary: npmShippedFfmpeg, isExecutable };
}

function npmShippedFfmpeg(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require('@ffmpeg-installer/ffmpeg') as { path?: string };
    if (!pkg.path) return undefined;
    // npm 11 blocks the package's `chmod u+x` install script; restore the bit ourselves.
    ensureExecutable(pkg.path);
    return pkg.path;
  } catch {
    return undefined;
  }
}

function ensureExecutable(path: string): void {
  try {
    const mode = statSync(path).mode;
    if ((mode & 0o100) === 0) chmodSync(path, mode | 0o755);
  } catch {
    // Not ours to fix (read-only install): the executable check below reports it.
  }
}

export function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
