/**
 * The seeder's side of signed channels: which channels it carries, their newest release (payload
 * seeded, manifest served and announced), their news list and key rotations. It trusts nothing it
 * is sent: every envelope passes the same trust rules as at a subscriber (rollback, freeze, keys),
 * and a release's torrent and uploaded files must match its signed manifest before anything moves.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import parseTorrent from 'parse-torrent';
import {
  CHANNEL_NAME_PATTERN,
  type EnvelopeKind,
  type SignedEnvelope,
} from '../../contracts/channel.js';
import { ChannelError, shortId } from '../../swarm/channel/channel-error.js';
import { createChannelStateStore } from '../../swarm/channel/channel-state.js';
import { acceptEnvelope } from '../../swarm/channel/channel-trust.js';
import { writeFileAtomic } from '../../swarm/channel/atomic-fs.js';
import { decodeEnvelope, encodeEnvelope } from '../../swarm/channel/envelope.js';
import { publishEnvelope } from '../../swarm/channel/gossip.js';
import { ed25519Verify } from '../../swarm/crypto.js';
import { hexToBytes } from '../../swarm/hex.js';
import type { Logger } from '../../swarm/logger.js';
import type { SwarmNode } from '../../swarm/node.js';
import { registrationMessage } from '../../swarm/channel/registration.js';
import { UploadStore } from './upload-store.js';

/** News items a channel keeps (and a follower receives on joining). */
export const NEWS_HISTORY = 50;

export interface ChannelSummary {
  id: string;
  name: string;
  /** The seq the publisher should sign next. */
  nextSeq: number;
  release: { version: string; seq: number; infoHash: string } | null;
  news: number;
}

/** Where a release's payload goes once accepted: seeded to peers, and into the DHT. */
export interface ReleaseOutlets {
  seed?: (channel: string, torrentFile: Uint8Array, payloadDir: string) => Promise<void>;
  putHead?: (envelope: SignedEnvelope, bep44Signature: Uint8Array) => Promise<void>;
}

export interface ChannelHubOptions {
  dataDir: string;
  node: SwarmNode;
  log: Logger;
  outlets?: ReleaseOutlets;
}

interface Registry {
  v: 1;
  channels: Record<string, { name: string; registeredAt: number }>;
}

export class ChannelHub {
  readonly uploads: UploadStore;
  /** Emits ('envelope', channelId, envelope) for every envelope accepted. */
  readonly events = new EventEmitter();
  private registry: Registry = { v: 1, channels: {} };
  private readonly trust;
  private readonly news = new Map<string, SignedEnvelope[]>();
  private readonly rotations = new Map<string, SignedEnvelope[]>();
  private readonly releases = new Map<string, SignedEnvelope<'release'>>();

  constructor(private readonly options: ChannelHubOptions) {
    this.uploads = new UploadStore(join(options.dataDir, 'uploads'));
    this.trust = createChannelStateStore(join(options.dataDir, 'trust'));
    this.events.setMaxListeners(0);
  }

  private dirOf(id: string): string {
    return join(this.options.dataDir, 'channels', id);
  }

  private get registryPath(): string {
    return join(this.options.dataDir, 'channels', 'registry.json');
  }

  /** Loads every channel from disk and puts their releases back into the swarm. */
  async start(): Promise<void> {
    if (existsSync(this.registryPath)) {
      this.registry = JSON.parse(await readFile(this.registryPath, 'utf8')) as Registry;
    }
    for (const id of Object.keys(this.registry.channels)) {
      const dir = this.dirOf(id);
      this.news.set(id, await readEnvelopes(join(dir, 'news.json')));
      this.rotations.set(id, await readEnvelopes(join(dir, 'rotations.json')));
      const [release] = await readEnvelopes(join(dir, 'release.json'));
      if (release?.kind === 'release') {
        this.releases.set(id, release);
        await this.reseed(id, release).catch((error: unknown) =>
          this.options.log.warn(
            `channel ${shortId(id)}: cannot seed release ${release.body.version}: ${(error as Error).message}`,
          ),
        );
      }
    }
  }

  list(): ChannelSummary[] {
    return Object.keys(this.registry.channels).map((id) => this.summary(id)!);
  }

  summary(id: string): ChannelSummary | undefined {
    const entry = this.registry.channels[id];
    if (!entry) return undefined;
    const release = this.releases.get(id);
    const seqs = [
      release?.seq ?? 0,
      ...(this.news.get(id) ?? []).map((e) => e.seq),
      ...(this.rotations.get(id) ?? []).map((e) => e.seq),
    ];
    return {
      id,
      name: entry.name,
      nextSeq: Math.max(...seqs) + 1,
      release: release
        ? { version: release.body.version, seq: release.seq, infoHash: release.body.infoHash }
        : null,
      news: this.news.get(id)?.length ?? 0,
    };
  }

  release(id: string): SignedEnvelope<'release'> | undefined {
    return this.releases.get(id);
  }

  /** The channel whose newest release has this info-hash (for the web seed). */
  releaseByInfoHash(
    infoHash: string,
  ): { channel: string; envelope: SignedEnvelope<'release'> } | undefined {
    for (const [channel, envelope] of this.releases) {
      if (envelope.body.infoHash === infoHash) return { channel, envelope };
    }
    return undefined;
  }

  newsOf(id: string): SignedEnvelope[] {
    return this.news.get(id) ?? [];
  }

  rotationsOf(id: string): SignedEnvelope[] {
    return this.rotations.get(id) ?? [];
  }

  torrentPath(id: string): string {
    return join(this.dirOf(id), 'release.torrent');
  }

  /** The folder a release's torrent is seeded from (the torrent's name is the version). */
  payloadDir(id: string): string {
    return join(this.dirOf(id), 'payload');
  }

  /** Registers a channel; `proof` is the channel key's signature over the registration. */
  async register(name: string, publicKey: string, proof: string): Promise<string> {
    if (!CHANNEL_NAME_PATTERN.test(name))
      throw new ChannelError('malformed', 'a channel name is 1-64 of a-z 0-9 . _ -');
    const key = /^[0-9a-f]{64}$/.test(publicKey) ? hexToBytes(publicKey) : undefined;
    const signature = /^[0-9a-f]{128}$/.test(proof) ? hexToBytes(proof) : undefined;
    if (!key || !signature || !ed25519Verify(signature, registrationMessage(name), key))
      throw new ChannelError('bad-signature', 'the registration is not signed by the channel key');
    const existing = this.registry.channels[publicKey];
    if (existing && existing.name !== name)
      throw new ChannelError(
        'wrong-channel',
        `channel ${shortId(publicKey)} is already registered as "${existing.name}"`,
      );
    if (!existing) {
      this.registry.channels[publicKey] = { name, registeredAt: Date.now() };
      await mkdir(dirname(this.registryPath), { recursive: true });
      await writeFileAtomic(this.registryPath, `${JSON.stringify(this.registry, null, 2)}\n`);
      this.options.log.info(`channel ${shortId(publicKey)} "${name}" registered`);
    }
    return publicKey;
  }

  /** Checks an envelope against the channel's trust record without recording it. */
  private async check(id: string, raw: string, kind: EnvelopeKind): Promise<SignedEnvelope> {
    if (!this.registry.channels[id])
      throw new ChannelError('wrong-channel', `no channel ${shortId(id)} is registered here`);
    const envelope = decodeEnvelope(raw);
    if (envelope.channel !== id)
      throw new ChannelError('wrong-channel', 'the envelope belongs to another channel');
    if (envelope.kind !== kind)
      throw new ChannelError('malformed', `expected a ${kind} envelope, got ${envelope.kind}`);
    acceptEnvelope(await this.trust.load(id), envelope, Date.now());
    return envelope;
  }

  async publishRelease(
    id: string,
    raw: string,
    torrentFile: Uint8Array,
    bep44Signature: Uint8Array | undefined,
  ): Promise<SignedEnvelope<'release'>> {
    const envelope = (await this.check(id, raw, 'release')) as SignedEnvelope<'release'>;
    const manifest = envelope.body;
    const torrent = await parseTorrent(torrentFile).catch(() => {
      throw new ChannelError('malformed', 'the torrent file cannot be parsed');
    });
    if (torrent.infoHash !== manifest.infoHash)
      throw new ChannelError('malformed', "the torrent's info-hash differs from the manifest's");
    if (torrent.name !== manifest.version)
      throw new ChannelError('malformed', 'the torrent must be named after the version');
    const listed = torrent.files.map((f) => `${f.path.split(sep).slice(1).join('/')}:${f.length}`);
    const signed = manifest.files.map((f) => `${f.path}:${f.length}`);
    if (listed.join('\n') !== signed.join('\n'))
      throw new ChannelError('malformed', "the torrent's files differ from the manifest's");
    for (const file of manifest.files) {
      if (!(await this.uploads.has(file.sha256, file.length)))
        throw new ChannelError(
          'length-mismatch',
          `${file.path} (sha256 ${file.sha256.slice(0, 12)}…) has not been uploaded`,
        );
    }
    // Everything checks: lay the payload out as the torrent expects it, then record and announce.
    const payload = join(this.payloadDir(id), manifest.version);
    await rm(payload, { recursive: true, force: true });
    for (const file of manifest.files) {
      const target = join(payload, ...file.path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      const source = this.uploads.pathOf(file.sha256);
      await link(source, target).catch(() => copyFile(source, target));
    }
    await this.trust.accept(envelope, Date.now());
    const dir = this.dirOf(id);
    await writeFileAtomic(this.torrentPath(id), torrentFile);
    await writeEnvelopes(join(dir, 'release.json'), [envelope]);
    if (bep44Signature) await writeFileAtomic(join(dir, 'release.bep44'), bep44Signature);
    const previous = this.releases.get(id);
    this.releases.set(id, envelope);
    await this.reseed(id, envelope, bep44Signature);
    if (previous && previous.body.version !== manifest.version) {
      await rm(join(this.payloadDir(id), previous.body.version), { recursive: true, force: true });
    }
    await this.announce(envelope);
    this.options.log.info(
      `channel ${shortId(id)}: release ${manifest.version} (seq ${envelope.seq}) published`,
    );
    return envelope;
  }

  async publishNews(id: string, raw: string): Promise<SignedEnvelope> {
    const envelope = await this.check(id, raw, 'news');
    await this.trust.accept(envelope, Date.now());
    const list = [...this.newsOf(id), envelope].sort((a, b) => a.seq - b.seq).slice(-NEWS_HISTORY);
    this.news.set(id, list);
    await writeEnvelopes(join(this.dirOf(id), 'news.json'), list);
    await this.announce(envelope);
    return envelope;
  }

  async publishRotation(id: string, raw: string): Promise<SignedEnvelope> {
    const envelope = await this.check(id, raw, 'key-rotation');
    await this.trust.accept(envelope, Date.now());
    const list = [...this.rotationsOf(id), envelope];
    this.rotations.set(id, list);
    await writeEnvelopes(join(this.dirOf(id), 'rotations.json'), list);
    await this.announce(envelope);
    return envelope;
  }

  private async announce(envelope: SignedEnvelope): Promise<void> {
    this.events.emit('envelope', envelope.channel, envelope);
    await publishEnvelope(this.options.node, envelope).catch((error: unknown) =>
      this.options.log.debug(`gossip publish failed: ${(error as Error).message}`),
    );
  }

  private async reseed(
    id: string,
    envelope: SignedEnvelope<'release'>,
    bep44Signature?: Uint8Array,
  ): Promise<void> {
    const { outlets } = this.options;
    if (outlets?.seed)
      await outlets.seed(id, await readFile(this.torrentPath(id)), this.payloadDir(id));
    const signature =
      bep44Signature ??
      (await readFile(join(this.dirOf(id), 'release.bep44')).catch(() => undefined));
    if (outlets?.putHead && signature) {
      void outlets
        .putHead(envelope, signature)
        .catch((error: unknown) =>
          this.options.log.warn(
            `channel ${shortId(id)}: DHT put failed: ${(error as Error).message}`,
          ),
        );
    }
  }
}

async function readEnvelopes(path: string): Promise<SignedEnvelope[]> {
  if (!existsSync(path)) return [];
  const list = JSON.parse(await readFile(path, 'utf8')) as string[];
  return list.map((text) => decodeEnvelope(text));
}

async function writeEnvelopes(path: string, envelopes: SignedEnvelope[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const texts = envelopes.map((e) => new TextDecoder().decode(encodeEnvelope(e)));
  await writeFileAtomic(path, `${JSON.stringify(texts, null, 1)}\n`);
}
