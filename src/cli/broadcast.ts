/** `swarmcast broadcast`: run the origin and broadcast a live stream until interrupted. */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import {
  DEFAULT_PROFILE,
  DEFAULT_RTMP_PORT,
  DEFAULTS,
  STREAM_NAME,
  type BroadcastConfig,
  type SeederSource,
  type SourceSpec,
} from '../seeder/config.js';
import { adminTokenPath } from '../seeder/channels/admin-token.js';
import { consoleLogger } from '../seeder/logger.js';
import { startSeeder } from '../seeder/seeder.js';
import { formatHelp, intFlag, numberFlag, parseCommandArgs, type CommandSpec } from './args.js';
import { seederConfig, seederFlags } from './seeder-flags.js';
import { untilShutdown } from './shutdown.js';

export const broadcastSpec: CommandSpec = {
  name: 'broadcast',
  summary: 'Broadcast a live stream as HLS and serve the player, the stats API and the swarm.',
  usage: 'swarmcast broadcast [options]',
  flags: {
    source: {
      type: 'string',
      value: 'test|<file>|rtmp',
      default: 'test',
      description:
        'what to broadcast: a synthetic test picture and tone, a media file, or an RTMP push',
    },
    stream: {
      type: 'string',
      value: '<name>',
      default: DEFAULTS.stream,
      description: 'stream name, served at /live/<name>/index.m3u8',
    },
    'segment-seconds': {
      type: 'string',
      value: '<s>',
      default: String(DEFAULT_PROFILE.segmentSeconds),
      description: 'HLS segment duration in seconds',
    },
    'video-bitrate': {
      type: 'string',
      value: '<kbps>',
      default: `${DEFAULT_PROFILE.videoBitrateKbps}k`,
      description: 'H.264 bitrate, e.g. 2000k or 2M',
    },
    resolution: {
      type: 'string',
      value: '<WxH>',
      default: `${DEFAULT_PROFILE.width}x${DEFAULT_PROFILE.height}`,
      description: 'output picture size',
    },
    fps: {
      type: 'string',
      value: '<n>',
      default: String(DEFAULT_PROFILE.fps),
      description: 'output frame rate',
    },
    loop: { type: 'boolean', default: false, description: 'loop a file source forever' },
    image: {
      type: 'string',
      value: '<file>',
      description:
        'a still picture as the video of an audio-only file (default: its cover art if it has one, else sound only)',
    },
    'rtmp-port': {
      type: 'string',
      value: '<port>',
      default: String(DEFAULT_RTMP_PORT),
      description: 'RTMP listen port (with --source rtmp)',
    },
    'rtmp-key': {
      type: 'string',
      value: '<key>',
      description: 'RTMP stream key (default: a random one, printed at start)',
    },
    'max-children': {
      type: 'string',
      value: '<n>',
      default: String(DEFAULTS.maxChildren),
      description: 'peers the origin feeds directly (its upload slots)',
    },
    key: {
      type: 'string',
      value: '<file>',
      description: 'stream signing key (default: created in the data dir)',
    },
    ffmpeg: {
      type: 'string',
      value: '<path>',
      description: 'ffmpeg binary (default: FFMPEG_PATH, an ffmpeg 5+ on PATH, the bundled one)',
    },
    ...seederFlags,
    verbose: {
      type: 'boolean',
      short: 'v',
      default: false,
      description: 'log ffmpeg output and debug detail; show stack traces',
    },
  },
};

export function parseBroadcastArgs(argv: string[]): BroadcastConfig | 'help' {
  const args = parseCommandArgs(broadcastSpec, argv);
  if (args.help) return 'help';
  const f = args.flags;
  const stream = String(f.stream);
  if (!STREAM_NAME.test(stream)) {
    throw new UsageError(
      `--stream must be letters, digits, '-' or '_' (at most 64), got "${stream}"`,
    );
  }
  const [width, height] = parseResolution(String(f.resolution));
  const profile = {
    width,
    height,
    fps: intFlag('fps', f.fps, 1, 120),
    videoBitrateKbps: parseBitrate(String(f['video-bitrate'])),
    audioBitrateKbps: DEFAULT_PROFILE.audioBitrateKbps,
    segmentSeconds: numberFlag('segment-seconds', f['segment-seconds'], 0.5, 10),
  };
  const loop = f.loop === true;
  const source = parseSource(String(f.source), loop, f);
  if (loop && source.kind !== 'file') throw new UsageError('--loop only applies to a file source');
  if (typeof f.image === 'string') {
    if (source.kind !== 'file') throw new UsageError('--image only applies to a file source');
    source.image = existingFile('--image', f.image);
  }
  return {
    source,
    profile,
    stream,
    ffmpeg: typeof f.ffmpeg === 'string' ? f.ffmpeg : undefined,
    keyFile: typeof f.key === 'string' ? resolve(f.key) : undefined,
    maxChildren: intFlag('max-children', f['max-children'], 1, 1000),
    playlistSegments: DEFAULTS.playlistSegments,
    retainSegments: DEFAULTS.retainSegments,
    ...seederConfig(f),
    verbose: f.verbose === true,
  };
}

function parseSource(raw: string, loop: boolean, f: Record<string, unknown>): SourceSpec {
  if (raw === 'test') return { kind: 'test' };
  if (raw === 'rtmp') {
    const key =
      typeof f['rtmp-key'] === 'string' ? f['rtmp-key'] : randomBytes(9).toString('base64url');
    if (!/^[A-Za-z0-9_-]{4,128}$/.test(key)) {
      throw new UsageError('--rtmp-key must be 4 to 128 letters, digits, - or _');
    }
    return { kind: 'rtmp', port: intFlag('rtmp-port', f['rtmp-port'], 1, 65535), key };
  }
  return { kind: 'file', path: existingFile('--source', raw), loop };
}

function existingFile(flag: string, raw: string): string {
  const path = resolve(raw);
  if (!existsSync(path)) throw new UsageError(`${flag} ${raw}: no such file`);
  if (!statSync(path).isFile()) throw new UsageError(`${flag} ${raw}: not a file`);
  return path;
}

function parseResolution(raw: string): [number, number] {
  const match = /^(\d{2,4})x(\d{2,4})$/.exec(raw);
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  if (
    !match ||
    width < 16 ||
    height < 16 ||
    width > 3840 ||
    height > 2160 ||
    width % 2 ||
    height % 2
  ) {
    throw new UsageError(
      `--resolution must be WIDTHxHEIGHT with even sides up to 3840x2160, got "${raw}"`,
    );
  }
  return [width, height];
}

/** Accepts `2000`, `2000k` (kb/s) or `2M` / `1.5M` (Mb/s). */
export function parseBitrate(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(raw);
  const kbps = match ? Number(match[1]) * (match[2]?.toLowerCase() === 'm' ? 1000 : 1) : NaN;
  if (!Number.isFinite(kbps) || kbps < 100 || kbps > 50_000) {
    throw new UsageError(`--video-bitrate must be from 100k to 50M, got "${raw}"`);
  }
  return Math.round(kbps);
}

export async function runBroadcast(argv: string[]): Promise<number> {
  const config = parseBroadcastArgs(argv);
  if (config === 'help') {
    process.stdout.write(formatHelp(broadcastSpec));
    return 0;
  }
  const log = consoleLogger(config.verbose);
  const seeder = await startSeeder(config, log);
  log.info(`Swarmcast is broadcasting "${config.stream}" (${describeSource(config.source)})`);
  log.info(
    `  player:   ${seeder.url}/${config.stream === 'main' ? '' : `?stream=${config.stream}`}`,
  );
  log.info(`  playlist: ${seeder.url}/live/${config.stream}/index.m3u8`);
  log.info(`  stats:    ${seeder.url}/api/stats`);
  log.info(`  swarm:    relays join with: swarmcast relay --seeder ${seeder.url}`);
  log.info(
    `  channels: admin token ${seeder.adminToken} (also in ${adminTokenPath(config.dataDir)})`,
  );
  if (seeder.rtmp) {
    log.info(`  RTMP:     server ${seeder.rtmp.url}  stream key ${seeder.rtmp.key}`);
  }
  log.info('Press Ctrl-C to stop.');
  const signal = await untilShutdown();
  log.info(`${signal}: stopping`);
  await seeder.stop();
  return 0;
}

function describeSource(source: SeederSource): string {
  switch (source.kind) {
    case 'none':
      return 'no live source';
    case 'test':
      return 'test source';
    case 'file':
      return `file ${source.path}${source.image ? ` with the picture ${source.image}` : ''}${source.loop ? ', looping' : ''}`;
    case 'rtmp':
      return `RTMP push on port ${source.port}`;
  }
}
