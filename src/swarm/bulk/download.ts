/**
 * One download into a staging directory: peers first (those given, then the trackers' and PEX's),
 * the web seeds only when peers do not deliver (`web-seed-fallback.ts`), sources that send pieces
 * failing their hash banned (`source-ledger.ts`). The torrent must have the length (and files) the
 * signed manifest promises, checked as soon as its metadata is known and before any piece is
 * stored. On success the torrent keeps seeding; on failure it is dropped and its partial files
 * stay, so a re-run resumes.
 */
import { mkdir, open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type WebTorrent from 'webtorrent';
import type { Torrent } from 'webtorrent';
import type { Logger } from '../logger.js';
import { BulkError } from './bulk-error.js';
import { destroyTorrent, seedHandle, type SeedHandle } from './seed-handle.js';
import {
  watchSources,
  type BannedSource,
  type SourceBytes,
  type SourceLedger,
} from './source-ledger.js';
import {
  DEFAULT_FALLBACK_POLICY,
  watchPeerRate,
  type FallbackPolicy,
} from './web-seed-fallback.js';

/** Pieces are held in memory while they arrive; a torrent with larger ones is refused. */
export const MAX_ACCEPTED_PIECE_LENGTH = 16 * 1024 * 1024;
const DEFAULT_STALL_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_BAD_PIECES = 3;

export interface ExpectedFile {
  path: string;
  length: number;
}

export interface DownloadOptions {
  /** The .torrent; without it, `infoHash` alone and the metadata comes from peers. */
  torrentFile?: Uint8Array;
  /** Lowercase hex; when given with `torrentFile`, the two must agree. */
  infoHash?: string;
  /** Staging directory: files land in `<dir>/<name>/<path>`; a re-run resumes from them. */
  dir: string;
  /** The manifest's total: a torrent of any other length is refused (the endless-data threat). */
  expectedLength: number;
  /** The manifest's files: if given, the torrent must hold exactly these, in this order. */
  expectedFiles?: readonly ExpectedFile[];
  /** Full web-seed URLs (`webSeedUrl(base, infoHash)`), added only if peers do not deliver. */
  webSeeds?: readonly string[];
  /** `host:port` of peers to dial directly, besides those trackers and PEX name. */
  peers?: readonly string[];
  /** After each verified piece: bytes held, torrent length, payload received per source. */
  onProgress?: (received: number, total: number, from: Readonly<SourceBytes>) => void;
  signal?: AbortSignal;
  fallback?: Partial<FallbackPolicy>;
  /** No verified piece for this long fails the download. */
  stallTimeoutMs?: number;
  /** How many failed pieces (shared ones counting in part) a source may send before its ban. */
  maxBadPieces?: number;
}

export interface DownloadResult {
  infoHash: string;
  name: string;
  /** `<dir>/<name>`: the release's files, for `stagingDirSource`. */
  filesDir: string;
  length: number;
  /** The .torrent (from the caller, or from peers when only the info-hash was given). */
  torrentFile: Uint8Array;
  /** Piece payload received from peers and from web seeds, failed pieces included. */
  fromPeers: number;
  fromWebSeed: number;
  hashFailures: number;
  banned: BannedSource[];
  /** Why the web seeds were added; undefined if peers did it all. */
  webSeedReason?: string;
  durationMs: number;
  /** The torrent keeps seeding from `filesDir` until this is stopped. */
  seed: SeedHandle;
}

export interface DownloadContext {
  client: WebTorrent;
  trackers: readonly string[];
  logger: Logger;
}

export async function downloadTorrent(
  context: DownloadContext,
  options: DownloadOptions,
): Promise<DownloadResult> {
  options.signal?.throwIfAborted();
  const torrentId = options.torrentFile
    ? Buffer.from(options.torrentFile)
    : options.infoHash && `magnet:?xt=urn:btih:${options.infoHash.toLowerCase()}`;
  if (!torrentId) throw new RangeError('a download needs a torrentFile or an infoHash');
  if (await context.client.get(torrentId))
    throw new BulkError('duplicate', 'this client already holds that torrent');
  const dir = resolve(options.dir);
  const torrent = context.client.add(torrentId, {
    path: dir,
    announce: [...context.trackers],
    // Downloaders that start together then ask the origin for different pieces, and trade.
    strategy: 'rarest',
  });
  // Errors after the download (while seeding) are logged, not thrown.
  torrent.on('error', (error) => context.logger.warn(`bulk ${torrent.infoHash}: ${String(error)}`));
  return follow(torrent, dir, context.logger, options);
}

function follow(
  torrent: Torrent,
  dir: string,
  logger: Logger,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const policy = { ...DEFAULT_FALLBACK_POLICY, ...options.fallback };
  const webSeeds = [...new Set(options.webSeeds ?? [])];
  const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const startedAt = Date.now();
  const { signal } = options;

  return new Promise<DownloadResult>((resolvePromise, reject) => {
    let settled = false;
    let webSeedReason: string | undefined;
    let stopWatching: () => void = () => undefined;
    let stallTimer: NodeJS.Timeout | undefined;

    const ledger: SourceLedger = watchSources(torrent, {
      webSeeds,
      maxBadPieces: options.maxBadPieces ?? DEFAULT_MAX_BAD_PIECES,
      onBan(source) {
        logger.warn(`bulk ${torrent.infoHash}: banned ${source.kind} ${source.id}`);
        const seedsLeft = webSeeds.some((url) => !ledger.isBanned(url));
        if (!seedsLeft && ledger.openPeers === 0)
          fail(
            new BulkError('corrupt-source', `${describeBans(ledger)}, and no peer is connected`),
          );
      },
    });

    const armStall = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        const message = `no piece verified for ${stallTimeoutMs} ms`;
        fail(
          ledger.banned.length > 0
            ? new BulkError('corrupt-source', `${message}; ${describeBans(ledger)}`)
            : new BulkError('stalled', message),
        );
      }, stallTimeoutMs);
    };

    const onInfoHash = () => {
      const expected = options.infoHash?.toLowerCase();
      if (expected !== undefined && torrent.infoHash !== expected) {
        fail(
          new BulkError('info-hash-mismatch', `torrent is ${torrent.infoHash}, not ${expected}`),
        );
        return;
      }
      for (const peer of options.peers ?? []) torrent.addPeer(peer);
    };
    const onMetadata = () => {
      const problem = metadataProblem(torrent, options);
      if (problem)
        fail(new BulkError('length-mismatch', `torrent ${torrent.infoHash}: ${problem}`));
    };
    const onReady = () => {
      if (webSeeds.length === 0 || settled) return;
      stopWatching = watchPeerRate(
        policy,
        () => ledger.bytes.peers,
        (reason) => {
          webSeedReason = reason;
          logger.debug(`bulk ${torrent.infoHash}: adding web seeds: ${reason}`);
          for (const url of webSeeds) if (!ledger.isBanned(url)) torrent.addWebSeed(url);
        },
      );
    };
    const onVerified = () => {
      armStall();
      options.onProgress?.(torrent.downloaded, torrent.length, ledger.bytes);
    };
    const onError = (error: Error | string) =>
      fail(new BulkError('torrent-error', `torrent ${torrent.infoHash}: ${String(error)}`));
    const onClose = () => fail(new BulkError('stopped', 'the download was stopped'));
    const onAbort = () => fail(signal?.reason);
    const onDone = () => {
      if (settled) return;
      settled = true;
      cleanUp();
      // A complete torrent asks web seeds nothing more; close their connections.
      if (webSeedReason !== undefined) for (const url of webSeeds) torrent.removePeer(url);
      createEmptyFiles(torrent, dir).then(
        () =>
          resolvePromise({
            infoHash: torrent.infoHash,
            name: torrent.name,
            filesDir: join(dir, torrent.name),
            length: torrent.length,
            torrentFile: new Uint8Array(torrent.torrentFile),
            fromPeers: ledger.bytes.peers,
            fromWebSeed: ledger.bytes.webSeed,
            hashFailures: ledger.hashFailures,
            banned: [...ledger.banned],
            webSeedReason,
            durationMs: Date.now() - startedAt,
            seed: seedHandle(torrent),
          }),
        (error: unknown) => {
          void destroyTorrent(torrent);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    };

    function fail(error: unknown) {
      if (settled) return;
      settled = true;
      cleanUp();
      // Partial files stay in the staging directory for a resume.
      void destroyTorrent(torrent);
      reject(error instanceof Error ? error : new Error(String(error)));
    }

    function cleanUp() {
      stopWatching();
      clearTimeout(stallTimer);
      ledger.stop();
      signal?.removeEventListener('abort', onAbort);
      torrent.off('infoHash', onInfoHash);
      torrent.off('metadata', onMetadata);
      torrent.off('ready', onReady);
      torrent.off('verified', onVerified);
      torrent.off('done', onDone);
      torrent.off('error', onError);
      torrent.off('close', onClose);
    }

    torrent.on('infoHash', onInfoHash);
    torrent.on('metadata', onMetadata);
    torrent.on('ready', onReady);
    torrent.on('verified', onVerified);
    torrent.on('done', onDone);
    torrent.on('error', onError);
    torrent.on('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
    armStall();
  });
}

/** Why the torrent is not the one the manifest promises, or undefined if it is. */
function metadataProblem(torrent: Torrent, options: DownloadOptions): string | undefined {
  if (torrent.length !== options.expectedLength)
    return `${torrent.length} bytes where ${options.expectedLength} are expected`;
  if (torrent.pieceLength > MAX_ACCEPTED_PIECE_LENGTH)
    return `pieces of ${torrent.pieceLength} bytes exceed ${MAX_ACCEPTED_PIECE_LENGTH}`;
  const expected = options.expectedFiles;
  if (expected === undefined) return undefined;
  const actual = torrent.files;
  const same =
    actual.length === expected.length &&
    expected.every(
      (file, i) =>
        actual[i]?.length === file.length &&
        actual[i]?.path === join(torrent.name, ...file.path.split('/')),
    );
  return same ? undefined : 'its files differ from the expected ones';
}

function describeBans(ledger: SourceLedger): string {
  const names = ledger.banned.map((source) => `${source.kind} ${source.id}`).join(', ');
  return `${ledger.hashFailures} pieces failed verification; banned ${names}`;
}

/** WebTorrent never writes a zero-length file, but the installer reads every file. */
async function createEmptyFiles(torrent: Torrent, dir: string): Promise<void> {
  for (const file of torrent.files) {
    if (file.length > 0) continue;
    const path = join(dir, file.path);
    await mkdir(dirname(path), { recursive: true });
    await (await open(path, 'a')).close();
  }
}
