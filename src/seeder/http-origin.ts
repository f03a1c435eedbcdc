/**
 * The origin's HTTP face: the player page, the live playlist and segments, and the stats API.
 * Media bytes sent here are counted as `originBytes.http`.
 */
import express, { type Express, type Request, type Response } from 'express';
import { join } from 'node:path';
import { packageRoot } from '../runtime/package-root.js';
import type { OriginStats } from './origin-stats.js';
import { renderPlaylist } from '../swarm/playlist.js';
import { encodeAnnouncement } from '../swarm/announcement.js';
import type { SwarmInfo } from '../swarm/swarm-info.js';
import type { SegmentStore } from '../swarm/segment-store.js';

export interface HttpOriginOptions {
  stream: string;
  store: SegmentStore;
  stats: OriginStats;
  playlistSegments: number;
  segmentSeconds: number;
  /** How peers join (origin only; an edge cache has none). */
  swarmInfo?: () => SwarmInfo;
}

const VIEWER_ID = /^[A-Za-z0-9_-]{6,64}$/;

export function createHttpOrigin(options: HttpOriginOptions): Express {
  const { store, stats } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const web = join(packageRoot(), 'web');

  app.get('/', (_req, res) => res.sendFile(join(web, 'index.html')));
  app.get('/dashboard', (_req, res) => res.sendFile(join(web, 'dashboard.html')));
  app.get('/favicon.ico', (_req, res) => res.status(204).end());
  app.use('/static', express.static(web, { index: false, maxAge: '1m' }));

  app.get('/api/stats', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(stats.snapshot());
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', stats.registry.contentType).send(await stats.registry.metrics());
  });

  const swarmInfo = options.swarmInfo;
  if (swarmInfo) {
    app.get('/api/swarm', (_req, res) => {
      res.set('Cache-Control', 'no-store').json(swarmInfo());
    });
  }
  // The signed announcement of an object, so bytes fetched over HTTP can be verified too.
  app.get('/swarm/:stream/announcement/:kind/:id', (req, res) => {
    const id = Number(req.params.id);
    const object =
      req.params.stream !== options.stream || !Number.isSafeInteger(id)
        ? undefined
        : req.params.kind === 'media'
          ? store.get(id)
          : req.params.kind === 'init'
            ? store.init(id)
            : undefined;
    if (!object?.announcement) {
      res.status(404).type('text/plain').send('no such object in the live window\n');
      return;
    }
    res.type('application/octet-stream').send(Buffer.from(encodeAnnouncement(object.announcement)));
  });

  const live = express.Router();
  live.use((req, res, next) => {
    // Any player on any site may play the stream (hls.js, other P2P loaders, dashboards).
    res.set('Access-Control-Allow-Origin', '*');
    const stream = req.baseUrl.split('/')[2];
    if (stream !== options.stream) {
      res.status(404).type('text/plain').send(`no stream named "${stream}"\n`);
      return;
    }
    next();
  });
  live.get('/index.m3u8', (req, res) => {
    stats.sawViewer(viewerId(req));
    const segments = store.playlistWindow(options.playlistSegments);
    const first = segments[0];
    if (!first) {
      res.status(503).set('Retry-After', '1').type('text/plain').send('stream not started yet\n');
      return;
    }
    const body = renderPlaylist({
      segments,
      targetDuration: options.segmentSeconds,
      ended: store.ended,
    });
    res.set('Cache-Control', 'no-cache').type('application/vnd.apple.mpegurl').send(body);
  });
  live.get('/init-:id.mp4', (req, res) => {
    const bytes = store.init(Number(req.params.id))?.bytes;
    sendMedia(res, bytes, 'video/mp4');
  });
  live.get('/:sequence.m4s', (req, res) => {
    const sequence = Number(req.params.sequence);
    const segment = Number.isSafeInteger(sequence) ? store.get(sequence) : undefined;
    sendMedia(res, segment?.bytes, 'video/iso.segment');
  });
  app.use('/live/:stream', live);

  function sendMedia(res: Response, bytes: Uint8Array | undefined, type: string): void {
    if (!bytes) {
      res.status(404).type('text/plain').send('segment not in the live window\n');
      return;
    }
    // Published media never changes: let browsers and proxies keep it.
    res.set('Cache-Control', 'public, max-age=60, immutable').type(type);
    res.on('finish', () => stats.countBytes('http', bytes.length));
    res.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  return app;
}

/** Players add `?viewer=<id>` to the playlist URL; others are told apart by address and agent. */
function viewerId(req: Request): string {
  const id = req.query.viewer;
  if (typeof id === 'string' && VIEWER_ID.test(id)) return id;
  return `${req.socket.remoteAddress ?? '?'}|${req.get('user-agent') ?? ''}`;
}
