import { describe, expect, it } from 'vitest';
import { RuntimeError, UsageError } from '../../src/errors.js';
import { locateFfmpeg, type FfmpegProbe } from '../../src/seeder/ffmpeg-locate.js';

function probe(executables: string[], env: NodeJS.ProcessEnv, npm?: string): FfmpegProbe {
  return { env, npmBinary: () => npm, isExecutable: (path) => executables.includes(path) };
}

describe('ffmpeg resolution order', () => {
  const all = ['/flag/ffmpeg', '/env/ffmpeg', '/npm/ffmpeg', '/usr/bin/ffmpeg'];
  const env = { FFMPEG_PATH: '/env/ffmpeg', PATH: '/opt/none:/usr/bin' };

  it('prefers --ffmpeg, then FFMPEG_PATH, then the npm binary, then PATH', () => {
    expect(locateFfmpeg('/flag/ffmpeg', probe(all, env, '/npm/ffmpeg'))).toEqual({
      path: '/flag/ffmpeg',
      origin: 'flag',
    });
    expect(locateFfmpeg(undefined, probe(all, env, '/npm/ffmpeg'))).toEqual({
      path: '/env/ffmpeg',
      origin: 'env',
    });
    expect(locateFfmpeg(undefined, probe(all, { PATH: env.PATH }, '/npm/ffmpeg'))).toEqual({
      path: '/npm/ffmpeg',
      origin: 'npm',
    });
    expect(locateFfmpeg(undefined, probe(all, { PATH: env.PATH }))).toEqual({
      path: '/usr/bin/ffmpeg',
      origin: 'path',
    });
  });

  it('skips an npm binary that is not executable', () => {
    expect(
      locateFfmpeg(undefined, probe(['/usr/bin/ffmpeg'], { PATH: '/usr/bin' }, '/npm/ffmpeg'))
        .origin,
    ).toBe('path');
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
      /ffmpeg not found.*FFMPEG_PATH.*--ffmpeg/,
    );
  });
});
