/**
 * Fetches a release's files in the page through WebTorrent: other browsers first (WebRTC, found
 * through the seeder's WebSocket tracker), the seeder's web seed once peers alone stall. The
 * torrent comes from the seeder, so it is bound to the signed manifest by its info-hash before a
 * byte is fetched; the caller still checks every file against the manifest afterwards.
 */
import WebTorrent, { type Torrent } from 'webtorrent';
import type { ReleaseManifest } from '../contracts/channel.js';
import { webSeedUrl } from '../swarm/bulk/web-seed-url.js';
import { ChannelError } from '../swarm/channel/channel-error.js';
import { PageChunkStore } from './page-chunk-store.js';

export interface DownloadProgress {
  /** Verified bytes (plus blocks of pieces in progress). */
  downloaded: number;
  length: number;
  /** Connected peers, web seed excluded. */
  peers: number;
  webSeed: boolean;
}

export interface ReleaseDownloadOptions {
  manifest: ReleaseManifest;
  /** The .torrent from the seeder: untrusted until its info-hash matches the manifest's. */
  torrentFile: Uint8Array;
  /** The seeder's web seed base (`/api/channels/:id` → `webSeed`); null: peers only. */
  webSeed: string | null;
  /** A `ws:` or `wss:` tracker URL; null: web seed only. */
  tracker: string | null;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
  /** How long peers may go without delivering a piece before the web seed joins. @default 2000 */
  peerGraceMs?: number;
}

export interface ReleaseDownload {
  /** Bytes per manifest path, as the torrent delivered them: not yet checked against the manifest. */
  files: Map<string, Uint8Array<ArrayBuffer>>;
  /** The page keeps seeding to other pages until this is called (or the page goes away). */
  stop(): Promise<void>;
}

const PROGRESS_MS = 250;
const DEFAULT_PEER_GRACE_MS = 2_000;

/** The tracker URL a page can use: browsers announce over WebSockets. */
export function browserTrackerUrl(announce: string | null): string | null {
  if (!announce) return null;
  return announce.replace(/^http(s?):/, 'ws$1:');
}

export async function downloadRelease(options: ReleaseDownloadOptions): Promise<ReleaseDownload> {
  const client = new WebTorrent();
  const stop = () => new Promise<void>((resolve) => client.destroy(() => resolve()));
  try {
    const torrent = client.add(options.torrentFile, {
      announce: options.tracker ? [options.tracker] : [],
      strategy: 'rarest',
      store: PageChunkStore,
      storeCacheSlots: 0,
    });
    // After the download the page only seeds: a failing peer or tracker then is not the reader's
    // problem, and an 'error' nobody listens to would be thrown.
    const whileSeeding = (error: Error | string) => console.warn('release seeding:', error);
    torrent.on('error', whileSeeding);
    client.on('error', whileSeeding);
    await untilDone(client, torrent, options);
    const files = new Map<string, Uint8Array<ArrayBuffer>>();
    for (const entry of options.manifest.files) {
      // An empty file has no piece to fetch; the torrent still lists it (checked by the caller).
      const file = torrent.files.find((f) => f.path === `${torrent.name}/${entry.path}`);
      if (file && file.length === 0) files.set(entry.path, new Uint8Array(0));
      else if (file) files.set(entry.path, new Uint8Array(await file.arrayBuffer()));
    }
    return { files, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function untilDone(
  client: WebTorrent,
  torrent: Torrent,
  options: ReleaseDownloadOptions,
): Promise<void> {
  const { manifest, signal } = options;
  return new Promise<void>((resolve, reject) => {
    let webSeedAdded = false;
    let stallTimer: ReturnType<typeof setTimeout> | undefined;
    const report = () =>
      options.onProgress?.({
        downloaded: Math.min(torrent.downloaded, torrent.length || Infinity),
        length: torrent.length || manifest.files.reduce((sum, f) => sum + f.length, 0),
        peers: torrent.wires.filter((wire) => wire.type !== 'webSeed').length,
        webSeed: webSeedAdded,
      });
    const progressTimer = setInterval(report, PROGRESS_MS);

    // Peers first: the origin's web seed joins only when peers leave the download idle.
    const armStallTimer = () => {
      clearTimeout(stallTimer);
      if (webSeedAdded || !options.webSeed) return;
      stallTimer = setTimeout(() => {
        webSeedAdded = true;
        torrent.addWebSeed(webSeedUrl(options.webSeed!, manifest.infoHash));
      }, options.peerGraceMs ?? DEFAULT_PEER_GRACE_MS);
    };
    const settle = (error?: Error | string) => {
      clearInterval(progressTimer);
      clearTimeout(stallTimer);
      signal?.removeEventListener('abort', onAbort);
      torrent.off('infoHash', onInfoHash);
      torrent.off('ready', onReady);
      torrent.off('verified', armStallTimer);
      torrent.off('done', onDone);
      torrent.off('error', onError);
      client.off('error', onError);
      report();
      if (error === undefined) resolve();
      else reject(typeof error === 'string' ? new Error(error) : error);
    };
    const onAbort = () =>
      settle(signal?.reason instanceof Error ? signal.reason : new Error('download aborted'));
    const onError = (error: Error | string) => settle(error);
    const onInfoHash = () => {
      if (torrent.infoHash === manifest.infoHash) return;
      settle(
        new ChannelError(
          'hash-mismatch',
          `the seeder's torrent has info-hash ${torrent.infoHash}, the signed manifest says ${manifest.infoHash}`,
        ),
      );
    };
    const onReady = () => (torrent.done ? settle() : armStallTimer());
    const onDone = () => settle();

    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
    torrent.on('infoHash', onInfoHash);
    torrent.on('ready', onReady);
    torrent.on('verified', armStallTimer);
    torrent.on('done', onDone);
    torrent.on('error', onError);
    client.on('error', onError);
  });
}
