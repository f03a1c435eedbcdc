import { describe, expect, it } from 'vitest';
import { RuntimeError, UsageError } from '../../src/errors.js';
import {
  describeFfmpeg,
  ffmpegWarning,
  locateFfmpeg,
  parseFfmpegVersion,
  type FfmpegProbe,
  type FfmpegVersion,
} from '../../src/seeder/ffmpeg-locate.js';

const DEBIAN: FfmpegVersion = { text: '5.1.6-0+deb12u1', major: 5 };
const OLD_DISTRO: FfmpegVersion = { text: '4.4.2-0ubuntu0.22.04.1', major: 4 };
const SHIPPED: FfmpegVersion = { text: 'N-47683-g0e8eb07980-static', major: undefined };

function probe(
  executables: string[],
  env: NodeJS.ProcessEnv,
  npm?: string,
  versions: Record<string, FfmpegVersion> = {},
): FfmpegProbe {
  return {
    env,
    npmBinary: () => npm,
    isExecutable: (path) => executables.includes(path),
    version: (path) => versions[path] ?? (path === npm ? SHIPPED : DEBIAN),
  };
}

describe('ffmpeg resolution order', () => {
  const all = ['/flag/ffmpeg', '/env/ffmpeg', '/npm/ffmpeg', '/usr/bin/ffmpeg'];
  const env = { FFMPEG_PATH: '/env/ffmpeg', PATH: '/opt/none:/usr/bin' };

  it('prefers --ffmpeg, then FFMPEG_PATH, then a maintained ffmpeg on PATH, then the npm binary', () => {
    const at = (flag: string | undefined, p: FfmpegProbe) => {
      const { path, origin } = locateFfmpeg(flag, p);
      return { path, origin };
    };
    expect(at('/flag/ffmpeg', probe(all, env, '/npm/ffmpeg'))).toEqual({
      path: '/flag/ffmpeg',
      origin: 'flag',
    });
    expect(at(undefined, probe(all, env, '/npm/ffmpeg'))).toEqual({
      path: '/env/ffmpeg',
      origin: 'env',
    });
    expect(at(undefined, probe(all, { PATH: env.PATH }, '/npm/ffmpeg'))).toEqual({
      path: '/usr/bin/ffmpeg',
      origin: 'path',
    });
    expect(at(undefined, probe(['/npm/ffmpeg'], { PATH: env.PATH }, '/npm/ffmpeg'))).toEqual({
      path: '/npm/ffmpeg',
      origin: 'npm',
    });
  });

  it('takes the shipped build over an ffmpeg on PATH older than 5, and that one over nothing', () => {
    const old = { '/usr/bin/ffmpeg': OLD_DISTRO };
    expect(
      locateFfmpeg(undefined, probe(all, { PATH: '/usr/bin' }, '/npm/ffmpeg', old)).origin,
    ).toBe('npm');
    const none = probe(['/usr/bin/ffmpeg'], { PATH: '/usr/bin' }, undefined, old);
    expect(locateFfmpeg(undefined, none)).toMatchObject({ origin: 'path', version: OLD_DISTRO });
  });

  it('skips an npm binary that is not executable', () => {
    const p = probe(['/usr/bin/ffmpeg'], { PATH: '/usr/bin' }, '/npm/ffmpeg', {
      '/usr/bin/ffmpeg': OLD_DISTRO,
    });
    expect(locateFfmpeg(undefined, p).origin).toBe('path');
  });

  it('rejects an explicit path that does not work instead of silently using another', () => {
    expect(() => locateFfmpeg('/nope', probe(all, env))).toThrow(UsageError);
    expect(() => locateFfmpeg(undefined, probe(all, { FFMPEG_PATH: '/nope' }))).toThrow(
      /FFMPEG_PATH=\/nope/,
    );
  });

  it('explains how to get one when there is none', () => {
    expect(() => locateFfmpeg(undefined, probe([], { PATH: '/usr/bin' }))).toThrow(RuntimeError);
    expect(() => locateFfmpeg(undefined, probe([], { PATH: '/usr/bin' }))).toThrow(
      /ffmpeg not found.*apt install ffmpeg.*FFMPEG_PATH.*--ffmpeg/,
    );
  });
});

describe('ffmpeg version', () => {
  it('reads the first line of -version for releases, distribution builds and snapshots', () => {
    expect(
      parseFfmpegVersion(
        'ffmpeg version 5.1.6-0+deb12u1 Copyright (c) 2000-2024 the FFmpeg developers\nbuilt with gcc',
      ),
    ).toEqual(DEBIAN);
    expect(parseFfmpegVersion('ffmpeg version n7.1 Copyright')?.major).toBe(7);
    expect(parseFfmpegVersion('ffmpeg version N-47683-g0e8eb07980-static https://…')).toEqual(
      SHIPPED,
    );
    expect(parseFfmpegVersion('not ffmpeg at all')).toBeUndefined();
  });

  it('says which one was chosen, and warns in one line only about a fallback older than 5', () => {
    const shipped = { path: '/npm/ffmpeg', origin: 'npm' as const, version: SHIPPED };
    expect(describeFfmpeg(shipped)).toBe(
      'ffmpeg N-47683-g0e8eb07980-static at /npm/ffmpeg (shipped with the npm install)',
    );
    expect(ffmpegWarning(shipped)).toMatch(
      /^[^\n]*not a maintained release[^\n]*apt install ffmpeg/,
    );
    expect(ffmpegWarning({ path: '/usr/bin/ffmpeg', origin: 'path', version: DEBIAN })).toBe(
      undefined,
    );
    // Named by the user: their choice, no nagging.
    expect(ffmpegWarning({ ...shipped, origin: 'flag' })).toBeUndefined();
  });
});
