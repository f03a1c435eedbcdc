/**
 * The origin, composed: ingest (ffmpeg) → segment store → HTTP origin and stats.
 * One start/stop contract; `stop` releases every process, socket and scratch file it made.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { RuntimeError } from '../errors.js';
import type { BroadcastConfig, SourceSpec } from './config.js';
import { locateFfmpeg } from './ffmpeg-locate.js';
import { createHttpOrigin } from './http-origin.js';
import { Ingest } from './ingest.js';
import type { Logger } from './logger.js';
import { probeMedia } from './media-probe.js';
import { OriginStats } from './origin-stats.js';
import { startRtmpGate, type RtmpGate } from './rtmp-gate.js';
import { SegmentStore } from './segment-store.js';
import { freePort } from './free-port.js';

export interface Seeder {
  readonly port: number;
  /** Base URL for a browser on this machine. */
  readonly url: string;
  readonly store: SegmentStore;
  readonly stats: OriginStats;
  /** Where an RTMP publisher pushes to, when the source is rtmp. */
  readonly rtmp: { url: string; key: string } | undefined;
  stop(): Promise<void>;
}

export async function startSeeder(config: BroadcastConfig, log: Logger): Promise<Seeder> {
  const ffmpeg = locateFfmpeg(config.ffmpeg);
  log.debug(`ffmpeg: ${ffmpeg.path} (${ffmpeg.origin})`);
  const hasAudio =
    config.source.kind === 'file'
      ? (await probeMedia(ffmpeg.path, config.source.path)).hasAudio
      : true;

  const store = new SegmentStore(config.retainSegments);
  const gate = config.source.kind === 'rtmp' ? await openRtmpGate(config, log) : undefined;
  const source: SourceSpec =
    config.source.kind === 'rtmp' && gate
      ? { ...config.source, port: gate.upstreamPort }
      : config.source;
  const ingest = new Ingest({
    ffmpegPath: ffmpeg.path,
    source,
    profile: config.profile,
    hasAudio,
    workDir: join(config.dataDir, 'ingest', `${config.stream}-${randomBytes(4).toString('hex')}`),
    store,
    log,
  });
  const stats = new OriginStats({
    stream: config.stream,
    segmentsPublished: () => store.published,
    lastSequence: () => store.lastSequence,
    ingest: () => ingest.stats(),
    peers: () => [],
  });
  const app = createHttpOrigin({
    stream: config.stream,
    store,
    stats,
    playlistSegments: config.playlistSegments,
    segmentSeconds: config.profile.segmentSeconds,
  });
  const server = createServer(app);
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    await gate?.gate.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  ingest.start();

  const browserHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${browserHost.includes(':') ? `[${browserHost}]` : browserHost}:${port}`;
  let stopping: Promise<void> | undefined;
  return {
    port,
    url,
    store,
    stats,
    rtmp:
      config.source.kind === 'rtmp' && gate
        ? { url: `rtmp://${browserHost}:${gate.gate.port}/live`, key: config.source.key }
        : undefined,
    stop() {
      stopping ??= (async () => {
        await Promise.all([ingest.stop(), gate?.gate.close(), closeServer(server)]);
      })();
      return stopping;
    },
  };
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

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new RuntimeError(`port ${port} is already in use on ${host}; pick another with --port`),
        );
      } else if (error.code === 'EACCES') {
        reject(
          new RuntimeError(`not allowed to listen on ${host}:${port}; pick a port above 1023`),
        );
      } else {
        reject(new RuntimeError(`cannot listen on ${host}:${port}: ${error.message}`));
      }
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
