/**
 * Fetches a torrent's metadata (its .torrent) from peers by info-hash, for a subscriber that has
 * the signed info-hash but cannot reach the origin. ut_metadata checks what peers send against
 * the info-hash. The torrent is dropped the moment its metadata arrives, before WebTorrent opens
 * any file.
 */
import type WebTorrent from 'webtorrent';
import { BulkError } from './bulk-error.js';
import { destroyTorrent } from './seed-handle.js';

export interface MetadataOptions {
  /** `host:port` of peers to ask directly, besides those the trackers and DHT name. */
  peers?: readonly string[];
  /** @default AbortSignal.timeout(60 s): fails with `stalled` when it fires. */
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const INFO_HASH = /^[0-9a-f]{40}$/;

export async function fetchMetadata(
  client: WebTorrent,
  trackers: readonly string[],
  infoHash: string,
  options: MetadataOptions = {},
): Promise<Uint8Array> {
  const hash = infoHash.toLowerCase();
  if (!INFO_HASH.test(hash)) throw new RangeError(`"${infoHash}" is not a hex info-hash`);
  const held = await client.get(hash);
  if (held?.ready) return new Uint8Array(held.torrentFile);
  if (held) throw new BulkError('duplicate', 'this client is already fetching that torrent');
  const signal = options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS);
  signal.throwIfAborted();
  const torrent = client.add(`magnet:?xt=urn:btih:${hash}`, { announce: [...trackers] });
  return new Promise<Uint8Array>((resolve, reject) => {
    const finish = (outcome: () => void) => {
      signal.removeEventListener('abort', onAbort);
      torrent.off('infoHash', onInfoHash);
      torrent.off('metadata', onMetadata);
      torrent.off('error', onError);
      torrent.off('close', onClose);
      void destroyTorrent(torrent);
      outcome();
    };
    const onInfoHash = () => {
      for (const peer of options.peers ?? []) torrent.addPeer(peer);
    };
    const onMetadata = () => {
      const file = new Uint8Array(torrent.torrentFile);
      finish(() => resolve(file));
    };
    const onError = (error: Error | string) =>
      finish(() => reject(new BulkError('torrent-error', `metadata of ${hash}: ${String(error)}`)));
    const onClose = () => finish(() => reject(new BulkError('stopped', 'the client stopped')));
    const onAbort = () => {
      const reason: unknown = signal.reason;
      const error = !options.signal
        ? new BulkError('stalled', `no peer sent the metadata of ${hash}`)
        : reason instanceof Error
          ? reason
          : new Error(String(reason));
      finish(() => reject(error));
    };
    torrent.on('infoHash', onInfoHash);
    torrent.on('metadata', onMetadata);
    torrent.on('error', onError);
    torrent.on('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
