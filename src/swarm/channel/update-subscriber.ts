/**
 * A product-update subscriber: hears of releases from the seeder, gossip and the DHT (trusting
 * only the signature and its own trust record), downloads each new release from peers first and
 * the web seed as fallback, installs it atomically, runs the user's hook, and keeps seeding it.
 *
 * Crash-safe: an accepted release is written to disk before its download starts, so the next run
 * resumes it even with the seeder gone; `current` only ever names a complete install.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import parseTorrent from 'parse-torrent';
import type { SignedEnvelope } from '../../contracts/channel.js';
import { startBulkClient, type BulkClient } from '../bulk/bulk-client.js';
import { webSeedUrl } from '../bulk/web-seed-url.js';
import { hexToBytes } from '../hex.js';
import type { Logger } from '../logger.js';
import type { SwarmNode } from '../node.js';
import { writeFileAtomic } from './atomic-fs.js';
import { ChannelError, shortId } from './channel-error.js';
import { ChannelFeed } from './channel-feed.js';
import { startChannelNode } from './channel-node.js';
import { createChannelStateStore } from './channel-state.js';
import { getChannelHead } from './dht-head.js';
import { dhtOptions } from './dht-node.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { currentVersion, installRelease, stagingDirSource } from './installer.js';
import { SeederClient } from './seeder-client.js';

/** How often the DHT is asked while no release is known yet. */
const DHT_SEARCH_MS = 3_000;

export interface UpdateSubscriberOptions {
  channel: string;
  into: string;
  dataDir: string;
  seeder?: string;
  /** The channel's name, needed for a DHT lookup when the seeder cannot tell it. */
  name?: string;
  /** DHT nodes to start from ('host:port'), besides the seeder's. */
  dhtBootstrap?: string[];
  /** Run after each install, with SWARMCAST_VERSION and SWARMCAST_DIR set. */
  exec?: string;
  log: Logger;
  onProgress?: (label: string, done: number, total: number) => void;
  /** How often the DHT is asked for a newer head. @default 60 s */
  dhtPollMs?: number;
}

export interface UpdateSubscriber {
  /** Resolves with each install as it completes (for tests and embedders). */
  readonly installed: AsyncIterable<string>;
  readonly bulk: BulkClient;
  stop(): Promise<void>;
}

export async function startUpdateSubscriber(
  options: UpdateSubscriberOptions,
): Promise<UpdateSubscriber> {
  const { channel, log } = options;
  const dir = join(options.dataDir, 'updates');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const state = createChannelStateStore(dir);
  const pendingPath = join(dir, `${channel}.release.json`);
  const seeder = options.seeder ? new SeederClient(options.seeder) : undefined;
  const info = await seeder?.info(channel, AbortSignal.timeout(10_000)).catch((error: unknown) => {
    log.warn(`the seeder is unreachable (${(error as Error).message}); using peers and the DHT`);
    return undefined;
  });
  const bootstrap = [...(info?.dht ? [info.dht] : []), ...(options.dhtBootstrap ?? [])];
  const bulk = await startBulkClient({
    // dhtOptions wires BEP 44 verification: without it the node would neither store nor return heads.
    dht: dhtOptions(bootstrap),
    trackers: info?.tracker ? [info.tracker] : [],
  });
  const node: SwarmNode = await startChannelNode(options.seeder);
  const installs = new InstallQueue();
  let stopped = false;
  let working: Promise<void> = Promise.resolve();

  const install = async (envelope: SignedEnvelope<'release'>) => {
    const manifest = envelope.body;
    if ((await currentVersion(options.into)) === manifest.version) return;
    const torrentFile = await fetchTorrent(seeder, channel, manifest.infoHash);
    const staging = join(dir, 'staging', channel);
    const total = manifest.files.reduce((sum, file) => sum + file.length, 0);
    const download = await bulk.download({
      ...(torrentFile ? { torrentFile } : { infoHash: manifest.infoHash }),
      dir: staging,
      expectedLength: total,
      webSeeds: info?.webSeed ? [webSeedUrl(info.webSeed, manifest.infoHash)] : [],
      // The origin is dialled straight away; the tracker and the DHT bring in the other peers.
      peers: info?.peer ? [info.peer] : [],
      onProgress: (received) =>
        options.onProgress?.(`downloading ${manifest.version}`, received, total),
    });
    log.info(
      `downloaded ${manifest.version}: ${mb(download.fromPeers)} MB from peers, ${mb(download.fromWebSeed)} MB from the web seed`,
    );
    const result = await installRelease({
      manifest,
      into: options.into,
      source: stagingDirSource(join(staging, manifest.version)),
    });
    // Seed from the installed copy from now on; the staging copy can go.
    await download.seed.stop();
    await bulk.seed(download.torrentFile, options.into);
    await rm(staging, { recursive: true, force: true });
    log.info(`installed ${manifest.version} into ${result.dir}; current -> ${manifest.version}`);
    if (options.exec) await runHook(options.exec, manifest.version, result.dir, log);
    installs.push(manifest.version);
  };

  const schedule = (envelope: SignedEnvelope<'release'>) => {
    working = working
      .then(async () => {
        if (stopped) return;
        await writeFileAtomic(pendingPath, encodeEnvelope(envelope));
        await install(envelope);
      })
      .catch((error: unknown) => {
        if (stopped) return;
        const message = error instanceof Error ? error.message : String(error);
        log.warn(`release ${envelope.body.version} not installed: ${message}`);
      });
  };

  const feed = new ChannelFeed({
    channel,
    state,
    ...(seeder ? { seeder } : {}),
    node,
    onAccepted: (envelope, source) => {
      if (envelope.kind === 'key-rotation') {
        log.info(`channel ${shortId(channel)} now signs with key ${shortId(envelope.body.newKey)}`);
        return;
      }
      if (envelope.kind !== 'release') return;
      log.info(`release ${envelope.body.version} (seq ${envelope.seq}) accepted from ${source}`);
      schedule(envelope);
    },
    onRefused: (error, source) => log.warn(`refused from ${source}: ${error.message}`),
  });

  // A release accepted by an earlier run but not installed (a crash, a kill): finish it first.
  const pending = await readPending(pendingPath);
  if (
    pending?.kind === 'release' &&
    (await currentVersion(options.into)) !== pending.body.version
  ) {
    log.info(`resuming the install of ${pending.body.version}`);
    schedule(pending);
  } else if (pending?.kind === 'release') {
    await bulk
      .seed(await torrentFor(seeder, channel, pending, bulk), options.into)
      .catch((error: unknown) =>
        log.debug(`not seeding ${pending.body.version}: ${(error as Error).message}`),
      );
  }
  await feed.start();

  /** Asks the DHT for the head; true once the channel has a release (from any source). */
  const askDht = async (): Promise<boolean> => {
    const record = await state.load(channel);
    const name = record.name ?? info?.name ?? options.name;
    if (!name) return record.heads.release !== undefined;
    const lookup = await getChannelHead(bulk.dht, {
      publicKey: hexToBytes(record.trustedKey)!,
      name,
    });
    if (lookup.envelope) await feed.offer(lookup.envelope, 'DHT');
    else log.debug(`DHT: ${lookup.message}`);
    return (await state.load(channel)).heads.release !== undefined;
  };
  // Until a first release is known (a fresh subscriber whose seeder is down, or whose DHT routing
  // table is still filling), the DHT is asked often; after that, now and then.
  let dhtTimer: ReturnType<typeof setTimeout> | undefined;
  const pollDht = async () => {
    const known = await askDht().catch((error: unknown) => {
      log.debug(`DHT: ${(error as Error).message}`);
      return false;
    });
    if (stopped) return;
    dhtTimer = setTimeout(
      () => void pollDht(),
      known ? (options.dhtPollMs ?? 60_000) : DHT_SEARCH_MS,
    );
  };
  if (info) dhtTimer = setTimeout(() => void pollDht(), options.dhtPollMs ?? 60_000);
  else await pollDht();

  return {
    installed: installs,
    bulk,
    async stop() {
      stopped = true;
      clearTimeout(dhtTimer);
      feed.stop();
      installs.close();
      await Promise.all([bulk.stop(), node.stop()]);
    },
  };
}

async function readPending(path: string): Promise<SignedEnvelope | undefined> {
  if (!existsSync(path)) return undefined;
  try {
    return decodeEnvelope(await readFile(path));
  } catch {
    return undefined;
  }
}

/** The torrent from the seeder, checked against the signed info-hash; undefined if unreachable. */
async function fetchTorrent(
  seeder: SeederClient | undefined,
  channel: string,
  infoHash: string,
): Promise<Uint8Array | undefined> {
  if (!seeder) return undefined;
  const torrent = await seeder.torrent(channel).catch(() => undefined);
  if (!torrent) return undefined;
  const parsed = await parseTorrent(torrent).catch(() => undefined);
  if (parsed?.infoHash !== infoHash)
    throw new ChannelError('hash-mismatch', "the seeder's torrent is not the signed release's");
  return torrent;
}

async function torrentFor(
  seeder: SeederClient | undefined,
  channel: string,
  envelope: SignedEnvelope,
  bulk: BulkClient,
): Promise<Uint8Array> {
  if (envelope.kind !== 'release') throw new Error('not a release');
  const fromSeeder = await fetchTorrent(seeder, channel, envelope.body.infoHash);
  return fromSeeder ?? (await bulk.metadata(envelope.body.infoHash));
}

function runHook(command: string, version: string, dir: string, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(command, {
      shell: true,
      stdio: 'inherit',
      env: { ...process.env, SWARMCAST_VERSION: version, SWARMCAST_DIR: dir },
    });
    child.on('error', (error) => {
      log.warn(`--exec failed to start: ${error.message}`);
      resolve();
    });
    child.on('exit', (code) => {
      if (code !== 0) log.warn(`--exec exited with ${code}`);
      resolve();
    });
  });
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** An async iterable of installed versions, fed as installs finish. */
class InstallQueue implements AsyncIterable<string> {
  private readonly items: string[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  push(version: string): void {
    this.items.push(version);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (;;) {
      const next = this.items.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
