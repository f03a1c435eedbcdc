/**
 * The bulk plane's BitTorrent client, Node only: one WebTorrent client per process, over TCP
 * (uTP optional), with no NAT-PMP/UPnP and no local service discovery. WebRTC is left alone: in
 * Node it takes ~10 s to connect (ARCHITECTURE), so Node peers meet over TCP, found through the
 * origin's tracker, PEX, the DHT if enabled, or addresses given directly.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Client as DhtNode } from 'bittorrent-dht';
import WebTorrent, { type Torrent } from 'webtorrent';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { BulkError } from './bulk-error.js';
import { downloadTorrent, type DownloadOptions, type DownloadResult } from './download.js';
import { fetchMetadata, type MetadataOptions } from './metadata.js';
import { destroyTorrent, seedHandle, type SeedHandle } from './seed-handle.js';
import { takeUploadBudget } from './upload-budget.js';

export interface BulkClientOptions {
  /**
   * The address other peers dial, used in `address` and `dhtAddress()` only: WebTorrent listens
   * on every interface. @default '127.0.0.1'
   */
  host?: string;
  /** 0 or omitted: any free port. */
  torrentPort?: number;
  /** false, or options passed to bittorrent-dht through WebTorrent (see `dhtOptions`). */
  dht: false | object;
  /** UDP port of the DHT node; 0 or omitted: any free port. */
  dhtPort?: number;
  /** Tracker announce URLs added to every torrent (the origin's `/announce`). */
  trackers?: readonly string[];
  /** uTP needs utp-native's prebuilt binary; TCP alone is the default. */
  utp?: boolean;
  /** Upload cap in bytes per second for all torrents; none by default. */
  uploadLimit?: number;
  logger?: Logger;
}

export interface BulkClient {
  readonly port: number;
  /** `host:port`, for other peers' `peers` option. */
  readonly address: string;
  /** WebTorrent's DHT node, for BEP 44 heads too; throws if started with `dht: false`. */
  readonly dht: DhtNode;
  /** `host:port` of the DHT node, for others' bootstrap lists; undefined without one. */
  dhtAddress(): string | undefined;
  /**
   * Checks the files at `<dir>/<name>/…` against every piece hash, then serves them. Fails with
   * `missing-file` or `incomplete` (and serves nothing) if they do not match the torrent.
   */
  seed(torrentFile: Uint8Array, dir: string): Promise<SeedHandle>;
  download(options: DownloadOptions): Promise<DownloadResult>;
  /** The .torrent of `infoHash`, fetched from peers (ut_metadata, checked against the hash). */
  metadata(infoHash: string, options?: MetadataOptions): Promise<Uint8Array>;
  /** Caps the upload of the whole client, bytes per second (-1: unlimited). */
  throttleUpload(rate: number): void;
  /**
   * Resolves once `bytes` more may leave under the upload limit: for uploads made outside the
   * client (the origin's web seed), so that the limit covers them too.
   */
  uploadBudget(bytes: number): Promise<void>;
  /** Destroys every torrent and closes every socket; files stay on disk. */
  stop(): Promise<void>;
}

export async function startBulkClient(options: BulkClientOptions): Promise<BulkClient> {
  const logger = options.logger ?? silentLogger;
  const trackers = [...(options.trackers ?? [])];
  const host = options.host ?? '127.0.0.1';
  const client = new WebTorrent({
    torrentPort: options.torrentPort ?? 0,
    dht: options.dht,
    dhtPort: options.dhtPort ?? 0,
    // Always on: it only announces to the trackers a torrent (or `trackers`) names.
    tracker: {},
    lsd: false,
    natUpnp: false,
    natPmp: false,
    utp: options.utp ?? false,
    // Web seeds named inside torrent files would bypass the peers-first policy; add them by hand.
    webSeeds: false,
    uploadLimit: options.uploadLimit ?? -1,
  });
  client.on('error', (error) => logger.warn(`bulk client: ${String(error)}`));
  await new Promise<void>((resolvePromise, reject) => {
    const onError = (error: Error | string) =>
      reject(new BulkError('torrent-error', `cannot start: ${String(error)}`));
    client.once('error', onError);
    client.once('listening', () => {
      client.off('error', onError);
      resolvePromise();
    });
  });
  const port = client.address()?.port ?? client.torrentPort;
  let stopped: Promise<void> | undefined;

  const checkRunning = () => {
    if (stopped) throw new BulkError('stopped', 'the bulk client is stopped');
  };

  return {
    port,
    address: `${host}:${port}`,
    get dht() {
      if (!client.dht) throw new BulkError('stopped', 'this bulk client has no DHT node');
      return client.dht;
    },
    dhtAddress() {
      // Listening starts with the client but may finish after it.
      const dht = client.dht;
      return dht && dht.listening ? `${host}:${dht.address().port}` : undefined;
    },
    async seed(torrentFile, dir) {
      checkRunning();
      if (await client.get(Buffer.from(torrentFile)))
        throw new BulkError('duplicate', 'this client already holds that torrent');
      const root = resolve(dir);
      const torrent = client.add(Buffer.from(torrentFile), { path: root, announce: trackers });
      torrent.on('error', (error) => logger.warn(`bulk ${torrent.infoHash}: ${String(error)}`));
      return await verifiedSeed(torrent, root);
    },
    download(downloadOptions) {
      checkRunning();
      return downloadTorrent({ client, trackers, logger }, downloadOptions);
    },
    metadata(infoHash, metadataOptions) {
      checkRunning();
      return fetchMetadata(client, trackers, infoHash, metadataOptions);
    },
    throttleUpload(rate) {
      client.throttleUpload(rate);
    },
    uploadBudget(bytes) {
      return takeUploadBudget(client.throttleGroups.up, bytes);
    },
    stop() {
      stopped ??= new Promise<void>((resolvePromise) => {
        if (client.destroyed) return resolvePromise();
        client.destroy(() => resolvePromise());
      });
      return stopped;
    },
  };
}

/** Resolves once WebTorrent has hashed the files and found every piece; else drops the torrent. */
function verifiedSeed(torrent: Torrent, root: string): Promise<SeedHandle> {
  return new Promise<SeedHandle>((resolvePromise, reject) => {
    const fail = (error: BulkError) => {
      cleanUp();
      void destroyTorrent(torrent);
      reject(error);
    };
    const onMetadata = () => {
      // Before WebTorrent opens the files, which would create absent ones empty.
      const problem = missingFile(torrent, root);
      if (problem) fail(new BulkError('missing-file', problem));
    };
    const onReady = () => {
      cleanUp();
      if (torrent.progress < 1) {
        const percent = (torrent.progress * 100).toFixed(1);
        fail(new BulkError('incomplete', `${join(root, torrent.name)}: ${percent}% matches`));
        return;
      }
      resolvePromise(seedHandle(torrent));
    };
    const onError = (error: Error | string) =>
      fail(new BulkError('torrent-error', `seeding: ${String(error)}`));
    const onClose = () => fail(new BulkError('stopped', 'the torrent was stopped'));
    function cleanUp() {
      torrent.off('metadata', onMetadata);
      torrent.off('ready', onReady);
      torrent.off('error', onError);
      torrent.off('close', onClose);
    }
    torrent.on('metadata', onMetadata);
    torrent.on('ready', onReady);
    torrent.on('error', onError);
    torrent.on('close', onClose);
  });
}

/** What is absent or of the wrong length among the torrent's files, or undefined. */
function missingFile(torrent: Torrent, root: string): string | undefined {
  for (const file of torrent.files) {
    const path = join(root, file.path);
    // Synchronous on purpose: WebTorrent starts reading right after this event returns.
    const size = statSync(path, { throwIfNoEntry: false })?.size;
    if (size === undefined) return `${path} is missing`;
    if (size !== file.length)
      return `${path} has ${size} bytes where the torrent says ${file.length}`;
  }
  return undefined;
}
