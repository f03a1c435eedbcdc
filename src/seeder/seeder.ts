/**
 * The origin, composed: ingest (ffmpeg) → signed publisher → segment store, served over HTTP and
 * pushed into the swarm. One start/stop contract; `stop` releases every process, socket and
 * scratch file it made.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RuntimeError, UsageError } from '../errors.js';
import { SegmentStore } from '../swarm/segment-store.js';
import type { BroadcastConfig, SourceSpec } from './config.js';
import { describeFfmpeg, ffmpegWarning, locateFfmpeg } from './ffmpeg-locate.js';
import { freePort } from './free-port.js';
import { loadAdminToken } from './channels/admin-token.js';
import { startChannelService, type ChannelService } from './channels/channel-service.js';
import { closeServer, listenHttp } from './http-listen.js';
import { createHttpOrigin } from './http-origin.js';
import { Ingest } from './ingest.js';
import { LivePublisher } from './live-publisher.js';
import type { Logger } from './logger.js';
import { extractCoverArt, isPicture, probeMedia } from './media-probe.js';
import { OriginStats } from './origin-stats.js';
import { startRtmpGate, type RtmpGate } from './rtmp-gate.js';
import { loadStreamKey } from './stream-key.js';
import { startSwarmOrigin, type SwarmOrigin } from './swarm-origin.js';

export interface Seeder {
  readonly port: number;
  /** Base URL for a browser on this machine. */
  readonly url: string;
  readonly store: SegmentStore;
  readonly stats: OriginStats;
  readonly swarm: SwarmOrigin;
  /** Where an RTMP publisher pushes to, when the source is rtmp. */
  readonly rtmp: { url: string; key: string } | undefined;
  /** Guards channel registration and uploads; kept in the data dir. */
  readonly adminToken: string;
  readonly channels: ChannelService;
  stop(): Promise<void>;
}

export async function startSeeder(config: BroadcastConfig, log: Logger): Promise<Seeder> {
  const key = loadStreamKey(config.dataDir, config.stream, config.keyFile);
  const adminToken = loadAdminToken(config.dataDir);
  const store = new SegmentStore(config.retainSegments);
  const publisher = new LivePublisher(store, config.stream, key);
  const gate = config.source.kind === 'rtmp' ? await openRtmpGate(config, log) : undefined;
  const live = config.source;
  const ingest =
    live.kind === 'none'
      ? undefined
      : await createIngest({ ...config, source: live }, publisher, gate, log);

  let swarm: SwarmOrigin;
  try {
    swarm = await startSwarmOrigin({
      streamId: config.stream,
      store,
      publicKey: key.publicKey,
      host: config.host,
      port: config.swarmPort,
      maxChildren: config.maxChildren,
      log,
      onSwarmBytes: (bytes) => stats.countBytes('swarm', bytes),
      onViewerReport: (viewer) => stats.sawViewer(viewer),
      onPeerBytes: (peerId, total) => stats.notePeerBytes(peerId, total),
    });
  } catch (error) {
    await gate?.gate.close();
    throw new RuntimeError(`cannot start the swarm node: ${(error as Error).message}`);
  }
  const stats: OriginStats = new OriginStats({
    stream: config.stream,
    segmentsPublished: () => store.received,
    lastSequence: () => store.lastSequence,
    ingest: () => ingest?.stats() ?? { source: 'none', state: 'stopped', pid: null, restarts: 0 },
    peers: () => swarm.peers(),
    tree: () => ({ ...swarm.shape(), originChildren: swarm.childCount() }),
  });
  const app = createHttpOrigin({
    stream: config.stream,
    store,
    stats,
    playlistSegments: config.playlistSegments,
    segmentSeconds: config.profile.segmentSeconds,
    swarmInfo: () => swarm.info(),
  });
  let url = '';
  const server = createServer(app);
  let channels: ChannelService;
  try {
    channels = await startChannelService({
      dataDir: config.dataDir,
      adminToken,
      maxUploadBytes: config.maxUploadBytes,
      bulkUploadLimit: config.bulkUploadLimit,
      dhtPort: config.dhtPort,
      node: swarm.node,
      app,
      httpServer: server,
      baseUrl: () => url,
      log,
    });
  } catch (error) {
    await Promise.all([gate?.gate.close(), swarm.stop()]);
    throw new RuntimeError(`cannot start the channel service: ${(error as Error).message}`);
  }
  try {
    await listenHttp(server, config.port, config.host);
  } catch (error) {
    await Promise.all([gate?.gate.close(), channels.stop()]);
    await swarm.stop();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  ingest?.start();

  const browserHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  url = `http://${browserHost.includes(':') ? `[${browserHost}]` : browserHost}:${port}`;
  let stopping: Promise<void> | undefined;
  return {
    port,
    url,
    store,
    stats,
    swarm,
    adminToken,
    channels,
    rtmp:
      config.source.kind === 'rtmp' && gate
        ? { url: `rtmp://${browserHost}:${gate.gate.port}/live`, key: config.source.key }
        : undefined,
    stop() {
      stopping ??= (async () => {
        await Promise.all([ingest?.stop(), gate?.gate.close(), closeServer(server)]);
        await channels.stop();
        await swarm.stop();
      })();
      return stopping;
    },
  };
}

/** ffmpeg, supervised, encoding the configured source into the publisher. */
async function createIngest(
  config: BroadcastConfig & { source: SourceSpec },
  publisher: LivePublisher,
  gate: { upstreamPort: number } | undefined,
  log: Logger,
): Promise<Ingest> {
  const ffmpeg = locateFfmpeg(config.ffmpeg);
  log.info(describeFfmpeg(ffmpeg));
  const warning = ffmpegWarning(ffmpeg);
  if (warning) log.warn(warning);
  const media =
    config.source.kind === 'file'
      ? await probeMedia(ffmpeg.path, config.source.path)
      : { hasAudio: true, hasVideo: true, coverArt: false };
  let fileSource = config.source.kind === 'file' ? config.source : undefined;
  if (fileSource?.image) {
    if (media.hasVideo) {
      throw new UsageError(
        `--image: ${fileSource.path} has a video track of its own; --image is for audio-only files`,
      );
    }
    if (!(await isPicture(ffmpeg.path, fileSource.image))) {
      throw new UsageError(`--image ${fileSource.image}: not a picture ffmpeg can read`);
    }
  } else if (fileSource && !media.hasVideo && media.coverArt) {
    // An album's cover shows as the picture, as it would in any music player.
    const cover = join(config.dataDir, 'ingest', `${config.stream}-cover.png`);
    await mkdir(dirname(cover), { recursive: true });
    if (await extractCoverArt(ffmpeg.path, fileSource.path, cover)) {
      fileSource = { ...fileSource, image: cover };
      log.info('audio with cover art: the cover is shown as the picture');
    }
  }
  if (!media.hasVideo && !fileSource?.image) {
    log.info('audio only: players show the stream name and a level meter (--image adds a picture)');
  }
  const source: SourceSpec =
    config.source.kind === 'rtmp' && gate
      ? { ...config.source, port: gate.upstreamPort }
      : (fileSource ?? config.source);
  return new Ingest({
    ffmpegPath: ffmpeg.path,
    source,
    profile: config.profile,
    hasAudio: media.hasAudio,
    hasVideo: media.hasVideo,
    workDir: join(config.dataDir, 'ingest', `${config.stream}-${randomBytes(4).toString('hex')}`),
    publisher,
    log,
  });
}

/** The key-checking RTMP front door, and the internal port ffmpeg listens on behind it. */
async function openRtmpGate(
  config: BroadcastConfig,
  log: Logger,
): Promise<{ gate: RtmpGate; upstreamPort: number }> {
  if (config.source.kind !== 'rtmp') throw new Error('not an rtmp source');
  const upstreamPort = await freePort();
  try {
    const gate = await startRtmpGate({
      host: config.host,
      port: config.source.port,
      upstreamPort,
      app: 'live',
      key: config.source.key,
      onRefused: (reason, remote) => log.warn(`RTMP push from ${remote} refused: ${reason}`),
      onAccepted: (remote) => log.info(`RTMP publisher connected from ${remote}`),
    });
    return { gate, upstreamPort };
  } catch (error) {
    throw new RuntimeError(`RTMP: ${(error as Error).message}`);
  }
}
