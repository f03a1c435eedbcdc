/**
 * A BitTorrent tracker mounted on the origin's own HTTP server, so peers find each other without
 * another port: HTTP announces (Node peers) at `GET <path>` and scrapes at the matching `scrape`
 * path go through the express app; WebSocket announces (browsers) arrive as upgrades on the same
 * path. bittorrent-tracker's Server runs with no listener of its own (`http: false`, `udp: false`,
 * `ws: { noServer: true }`) and is fed requests through its public `onHttpRequest` and its
 * WebSocket server.
 */
import { Server } from 'bittorrent-tracker';
import type { IRouter } from 'express';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';

export interface TrackerOptions {
  /** The express app (or router) the HTTP announce route is added to. */
  app: IRouter;
  /** The HTTP server under `app`, for WebSocket upgrades. */
  httpServer: HttpServer;
  /** Must contain `announce`, which clients replace by `scrape`. */
  path?: string;
  /** How often clients re-announce. */
  intervalMs?: number;
  logger?: Logger;
}

export interface Tracker {
  readonly path: string;
  /** `http://host:port` → the announce URL Node peers use (`ws:` for browsers: `wsUrl`). */
  announceUrl(origin: string): string;
  wsUrl(origin: string): string;
  /** Peers known per info-hash: seeders (`complete`) and downloaders (`incomplete`). */
  swarm(infoHash: string): { complete: number; incomplete: number } | undefined;
  stop(): Promise<void>;
}

export const DEFAULT_TRACKER_PATH = '/announce';
const DEFAULT_INTERVAL_MS = 2 * 60 * 1000;

export function startTracker(options: TrackerOptions): Tracker {
  const path = options.path ?? DEFAULT_TRACKER_PATH;
  if (!path.includes('announce')) throw new RangeError(`tracker path ${path} lacks "announce"`);
  const logger = options.logger ?? silentLogger;
  const server = new Server({
    interval: options.intervalMs ?? DEFAULT_INTERVAL_MS,
    http: false,
    udp: false,
    ws: { noServer: true },
    stats: false,
  });
  // A client sending garbage is the client's problem; never let it crash the origin.
  server.on('warning', (error) => logger.debug(`tracker: ${error.message}`));
  server.on('error', (error) => logger.warn(`tracker: ${error.message}`));
  const sockets = new Set<WebSocket>();
  let stopped = false;

  options.app.get(path, (req, res, next) => {
    if (stopped) return next();
    server.onHttpRequest(req, res, { action: 'announce' });
  });
  options.app.get(path.replace('announce', 'scrape'), (req, res, next) => {
    if (stopped) return next();
    server.onHttpRequest(req, res, { action: 'scrape' });
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Other upgrade listeners (if any) own other paths.
    if (stopped || new URL(req.url ?? '/', 'http://x').pathname !== path) return;
    const wss = server.ws;
    if (!wss) return void socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.once('close', () => sockets.delete(ws));
      // The tracker's own 'connection' listener reads the peer's address from `req`.
      wss.emit('connection', ws, req);
    });
  };
  options.httpServer.on('upgrade', onUpgrade);

  return {
    path,
    announceUrl: (origin) => `${origin.replace(/\/$/, '')}${path}`,
    wsUrl: (origin) => `${origin.replace(/\/$/, '').replace(/^http/, 'ws')}${path}`,
    swarm: (infoHash) => {
      const swarm = server.torrents[infoHash];
      return swarm && { complete: swarm.complete, incomplete: swarm.incomplete };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (stopped) return resolve();
        stopped = true;
        options.httpServer.off('upgrade', onUpgrade);
        // ws 8 leaves accepted sockets open when its server closes.
        for (const ws of sockets) ws.terminate();
        server.close(() => resolve());
      }),
  };
}
