/**
 * Finds the ffmpeg binary: `--ffmpeg`, then `FFMPEG_PATH`, then a maintained ffmpeg on PATH
 * (version 5 or newer), then the npm-shipped binary (`@ffmpeg-installer/ffmpeg`, a 2018 static
 * build kept as the zero-setup fallback), then whatever ffmpeg is on PATH.
 *
 * The seeder runs ffmpeg on untrusted files and RTMP pushes, so a distribution's ffmpeg, which
 * gets security updates, beats a frozen static build whenever one is installed.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { RuntimeError, UsageError } from '../errors.js';

export type FfmpegOrigin = 'flag' | 'env' | 'npm' | 'path';

/** The oldest major version taken as maintained (Debian 12 ships 5.1). */
export const MAINTAINED_MAJOR = 5;

export interface FfmpegVersion {
  /** As ffmpeg prints it: `5.1.6-0+deb12u1`, `N-47683-g0e8eb07980-static`. */
  text: string;
  /** The release's major version; undefined for a snapshot build (`N-…`), which has none. */
  major: number | undefined;
}

export interface FfmpegLocation {
  path: string;
  origin: FfmpegOrigin;
  version: FfmpegVersion | undefined;
}

/** The places to look, injectable so the order can be tested without touching the machine. */
export interface FfmpegProbe {
  env: NodeJS.ProcessEnv;
  npmBinary: () => string | undefined;
  isExecutable: (path: string) => boolean;
  /** Runs `<path> -version`; undefined when it does not run or says nothing recognisable. */
  version: (path: string) => FfmpegVersion | undefined;
}

export function locateFfmpeg(
  flag: string | undefined,
  probe: FfmpegProbe = defaultProbe(),
): FfmpegLocation {
  const at = (path: string, origin: FfmpegOrigin): FfmpegLocation => ({
    path,
    origin,
    version: probe.version(path),
  });
  if (flag) {
    if (!probe.isExecutable(flag)) throw new UsageError(`--ffmpeg ${flag}: not an executable file`);
    return at(flag, 'flag');
  }
  const fromEnv = probe.env.FFMPEG_PATH;
  if (fromEnv) {
    if (!probe.isExecutable(fromEnv)) {
      throw new UsageError(`FFMPEG_PATH=${fromEnv}: not an executable file`);
    }
    return at(fromEnv, 'env');
  }
  const onPath = (probe.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'ffmpeg'))
    .find((candidate) => probe.isExecutable(candidate));
  const system = onPath === undefined ? undefined : at(onPath, 'path');
  if (system && isMaintained(system.version)) return system;
  const shipped = probe.npmBinary();
  if (shipped && probe.isExecutable(shipped)) return at(shipped, 'npm');
  if (system) return system;
  throw new RuntimeError(
    'ffmpeg not found: install ffmpeg 5 or newer (Debian: apt install ffmpeg), reinstall with `npm ci` (it ships one), set FFMPEG_PATH, or pass --ffmpeg <path>',
  );
}

export function isMaintained(version: FfmpegVersion | undefined): boolean {
  return version?.major !== undefined && version.major >= MAINTAINED_MAJOR;
}

/** One line for the log at start: which ffmpeg, which version, found where. */
export function describeFfmpeg(location: FfmpegLocation): string {
  const where = {
    flag: '--ffmpeg',
    env: 'FFMPEG_PATH',
    npm: 'shipped with the npm install',
    path: 'on PATH',
  }[location.origin];
  return `ffmpeg ${location.version?.text ?? '(version unknown)'} at ${location.path} (${where})`;
}

/**
 * A warning when the choice fell back to an old or unknown ffmpeg; undefined when it is
 * maintained, or when the user named it (their choice, made knowingly).
 */
export function ffmpegWarning(location: FfmpegLocation): string | undefined {
  if (isMaintained(location.version) || location.origin === 'flag' || location.origin === 'env')
    return undefined;
  return `this ffmpeg is not a maintained release (${MAINTAINED_MAJOR} or newer) and it decodes untrusted media: install one (Debian: apt install ffmpeg) and it is used instead`;
}

/** Reads `ffmpeg version <text> Copyright…`, the first line of `ffmpeg -version`. */
export function parseFfmpegVersion(output: string): FfmpegVersion | undefined {
  const match = /^ffmpeg version (\S+)/m.exec(output);
  if (!match) return undefined;
  const text = match[1]!;
  const release = /^n?(\d+)\.\d+/.exec(text);
  return { text, major: release ? Number(release[1]) : undefined };
}

function defaultProbe(): FfmpegProbe {
  return { env: process.env, npmBinary: npmShippedFfmpeg, isExecutable, version: runVersion };
}

function runVersion(path: string): FfmpegVersion | undefined {
  const result = spawnSync(path, ['-version'], { encoding: 'utf8', timeout: 5_000 });
  return result.status === 0 ? parseFfmpegVersion(result.stdout) : undefined;
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
