/**
 * Signed channels on the seeder, composed: the hub (trust, storage, gossip), its HTTP routes and
 * pages (`/news/<id>`, `/updates/<id>`), and the outlets a release goes out through: a WebTorrent
 * client seeding it (its DHT node also carries the BEP 44 heads), the web seed, and a tracker on
 * the same HTTP server.
 */
import type { Express } from 'express';
import type { Server } from 'node:http';
import { startBulkClient } from '../../swarm/bulk/bulk-client.js';
import type { SeedHandle } from '../../swarm/bulk/seed-handle.js';
import { startTracker } from '../../swarm/bulk/tracker.js';
import { createWebSeedRouter, releaseWebSeed } from '../../swarm/bulk/web-seed.js';
import { WEB_SEED_PATH } from '../../swarm/bulk/web-seed-url.js';
import { putChannelHead } from '../../swarm/channel/dht-head.js';
import { dhtOptions } from '../../swarm/channel/dht-node.js';
import type { Logger } from '../../swarm/logger.js';
import type { SwarmNode } from '../../swarm/node.js';
import { ChannelHub } from './channel-hub.js';
import { channelPages } from './channel-pages.js';
import { channelRoutes } from './channel-routes.js';

/** Copies of a release the origin sends at full rate before it only trickles. */
const ORIGIN_COPY_BUDGET = 1.25;

export interface ChannelServiceOptions {
  dataDir: string;
  adminToken: string;
  maxUploadBytes: number;
  /** Bytes per second the seeder's BitTorrent client uploads at most (its share of the uplink). */
  bulkUploadLimit: number;
  dhtPort: number;
  node: SwarmNode;
  app: Express;
  httpServer: Server;
  /** The seeder's base URL, known once its HTTP server listens. */
  baseUrl: () => string;
  log: Logger;
}

export interface ChannelService {
  readonly hub: ChannelHub;
  /** Release bytes the origin sent: to BitTorrent peers, and over its web seed. */
  uploaded(): { peers: number; webSeed: number };
  stop(): Promise<void>;
}

export async function startChannelService(options: ChannelServiceOptions): Promise<ChannelService> {
  const { log } = options;
  const bulk = await startBulkClient({
    dht: dhtOptions([]),
    dhtPort: options.dhtPort,
    uploadLimit: options.bulkUploadLimit,
    logger: log,
  });
  const tracker = startTracker({ app: options.app, httpServer: options.httpServer, logger: log });
  const seeding = new Map<string, SeedHandle>();
  let retiredUpload = 0;
  let webSeedBytes = 0;

  const hub: ChannelHub = new ChannelHub({
    dataDir: options.dataDir,
    node: options.node,
    log,
    outlets: {
      seed: async (channel, torrentFile, payloadDir) => {
        const previous = seeding.get(channel);
        const handle = await bulk.seed(torrentFile, payloadDir);
        seeding.set(channel, handle);
        if (previous) {
          retiredUpload += previous.uploaded;
          await previous.stop();
        }
      },
      putHead: async (envelope, signature) => {
        await putChannelHead(bulk.dht, { envelope, secret: { signature } });
      },
    },
  });
  options.app.use(
    createWebSeedRouter({
      lookup: (infoHash) => {
        const found = hub.releaseByInfoHash(infoHash);
        return found
          ? releaseWebSeed(hub.payloadDir(found.channel), found.envelope.body)
          : undefined;
      },
      onServed: (_infoHash, bytes) => (webSeedBytes += bytes),
      // --upload-limit caps the release bytes the origin sends, to peers and web seed alike.
      pace: (bytes) => bulk.uploadBudget(bytes),
      logger: log,
    }),
  );
  const dhtAddress = () => {
    const port = bulk.dhtAddress()?.split(':').pop();
    return port ? `${new URL(options.baseUrl()).hostname}:${port}` : null;
  };
  // Once the subscribers hold a full copy between them, the origin only trickles: they can finish
  // from each other, and every byte it sends then is a byte of egress it did not need to pay.
  const trickle = Math.max(50_000, Math.round(options.bulkUploadLimit / 10));
  let throttled = false;
  const rebalance = setInterval(() => {
    const handles = [...seeding.values()];
    // Also once it has sent a copy and a quarter: the pieces still missing then are few, and the
    // trickle delivers them without paying for the duplicates a crowd of fresh peers asks for.
    const covered =
      handles.length > 0 &&
      handles.every(
        (h) => h.distributedCopies() >= 1 || h.uploaded >= ORIGIN_COPY_BUDGET * h.length,
      );
    if (covered === throttled) return;
    throttled = covered;
    bulk.throttleUpload(covered ? trickle : options.bulkUploadLimit);
    log.debug(`release upload ${covered ? 'trickling: peers hold a full copy' : 'at full rate'}`);
  }, 500);
  const uploaded = () => ({
    peers: retiredUpload + [...seeding.values()].reduce((sum, handle) => sum + handle.uploaded, 0),
    webSeed: webSeedBytes,
  });
  options.app.use(
    channelRoutes({
      hub,
      adminToken: options.adminToken,
      maxUploadBytes: options.maxUploadBytes,
      swarm: () => ({
        tracker: tracker.announceUrl(options.baseUrl()),
        peer: `${new URL(options.baseUrl()).hostname}:${bulk.port}`,
        dht: dhtAddress(),
        webSeed: `${options.baseUrl()}${WEB_SEED_PATH}/`,
      }),
      uploaded,
    }),
  );
  options.app.use(channelPages());
  try {
    await hub.start();
  } catch (error) {
    await Promise.all([bulk.stop(), tracker.stop()]);
    throw error;
  }
  return {
    hub,
    uploaded,
    async stop() {
      clearInterval(rebalance);
      hub.events.removeAllListeners();
      await Promise.all([bulk.stop(), tracker.stop()]);
    },
  };
}
