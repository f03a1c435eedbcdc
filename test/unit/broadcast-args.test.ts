import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { broadcastSpec, parseBitrate, parseBroadcastArgs } from '../../src/cli/broadcast.js';
import { formatHelp } from '../../src/cli/args.js';
import { UsageError } from '../../src/errors.js';

describe('broadcast arguments', () => {
  it('has sensible defaults: the test source on port 8080, stream main, 1 s segments', () => {
    const config = parseBroadcastArgs([]);
    if (config === 'help') throw new Error('unexpected help');
    expect(config.source).toEqual({ kind: 'test' });
    expect(config.port).toBe(8080);
    expect(config.stream).toBe('main');
    expect(config.profile.segmentSeconds).toBe(1);
    expect(config.profile.videoBitrateKbps).toBe(2000);
    expect(config.dataDir.endsWith('.swarmcast')).toBe(true);
  });

  it('reads every flag', () => {
    const config = parseBroadcastArgs([
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--stream',
      'event-1',
      '--segment-seconds',
      '2',
      '--video-bitrate',
      '1.5M',
      '--resolution',
      '640x360',
      '--fps',
      '25',
      '--data-dir',
      '/tmp/x',
      '--ffmpeg',
      '/bin/ffmpeg',
      '--verbose',
    ]);
    if (config === 'help') throw new Error('unexpected help');
    expect(config).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      stream: 'event-1',
      dataDir: '/tmp/x',
      ffmpeg: '/bin/ffmpeg',
      verbose: true,
      profile: { segmentSeconds: 2, videoBitrateKbps: 1500, width: 640, height: 360, fps: 25 },
    });
  });

  it('takes an RTMP source with a key, or makes one up', () => {
    const given = parseBroadcastArgs([
      '--source',
      'rtmp',
      '--rtmp-key',
      'secret-key',
      '--rtmp-port',
      '1936',
    ]);
    expect(given !== 'help' && given.source).toEqual({
      kind: 'rtmp',
      port: 1936,
      key: 'secret-key',
    });
    const made = parseBroadcastArgs(['--source', 'rtmp']);
    expect(
      made !== 'help' && made.source.kind === 'rtmp' && made.source.key.length,
    ).toBeGreaterThanOrEqual(12);
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--port', 'http'], /--port must be a whole number/],
    [['--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['--stream', '../etc'], /--stream must be/],
    [['--source', '/definitely/not/here.mp4'], /no such file/],
    [['--resolution', '641x360'], /even sides/],
    [['--video-bitrate', 'fast'], /--video-bitrate/],
    [['--loop'], /--loop only applies to a file source/],
    [['--segment-seconds', '0'], /--segment-seconds/],
    [['extra'], /unexpected argument "extra"/],
    [['--rtmp-key', 'bad key!', '--source', 'rtmp'], /--rtmp-key/],
  ])('refuses %j with a usage error', (argv, message) => {
    expect(() => parseBroadcastArgs(argv)).toThrow(UsageError);
    expect(() => parseBroadcastArgs(argv)).toThrow(message);
  });

  it('parses bitrates in k and M', () => {
    expect(parseBitrate('2000')).toBe(2000);
    expect(parseBitrate('800k')).toBe(800);
    expect(parseBitrate('2M')).toBe(2000);
  });

  it('takes --image for a file source only, and only a file that exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmcast-args-'));
    try {
      const sound = join(dir, 'talk.mp3');
      const picture = join(dir, 'cover.png');
      writeFileSync(sound, '');
      writeFileSync(picture, '');
      const config = parseBroadcastArgs(['--source', sound, '--image', picture]);
      expect(config !== 'help' && config.source).toEqual({
        kind: 'file',
        path: sound,
        loop: false,
        image: picture,
      });
      expect(() => parseBroadcastArgs(['--image', picture])).toThrow(
        /--image only applies to a file source/,
      );
      expect(() =>
        parseBroadcastArgs(['--source', sound, '--image', join(dir, 'none.png')]),
      ).toThrow(/--image .*none\.png: no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('documents every flag in --help with its default', () => {
    expect(parseBroadcastArgs(['--help'])).toBe('help');
    const help = formatHelp(broadcastSpec);
    for (const name of Object.keys(broadcastSpec.flags)) expect(help).toContain(`--${name}`);
    expect(help).toContain('(default: 8080)');
    expect(help).toContain('(default: test)');
  });
});
