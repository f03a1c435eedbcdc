/**
 * Who sent what to one downloading torrent: payload bytes from peers versus web seeds, and which
 * sources sent pieces that failed their SHA-1 check. WebTorrent re-requests a failed piece but
 * never drops the sender, so a lying web seed would be asked again forever; here each failed
 * piece puts its blame on the sources whose blocks it held, shared between them (an honest peer
 * that shared a piece with a liar takes only part), and a source whose blame reaches
 * `maxBadPieces` is banned: a web seed is removed, a peer's wire closed and refused if it returns.
 */
import { createHash } from 'node:crypto';
import type { Torrent, Wire } from 'webtorrent';

export type SourceKind = 'peers' | 'webSeed';

export interface SourceBytes {
  peers: number;
  webSeed: number;
}

export interface BannedSource {
  kind: SourceKind;
  /** The web seed's URL, or the peer's `ip:port`. */
  id: string;
  /** Failed pieces it sent blocks of. */
  badPieces: number;
}

export interface SourceLedger {
  /** Piece payload bytes received, failed pieces included. */
  readonly bytes: Readonly<SourceBytes>;
  readonly hashFailures: number;
  readonly banned: readonly BannedSource[];
  /** Peer connections open now (web seeds not counted). */
  readonly openPeers: number;
  isBanned(webSeedUrl: string): boolean;
  /** Stops listening to the torrent; counts stay readable. */
  stop(): void;
}

export interface SourceLedgerOptions {
  /** The web seeds the torrent may use, to name their wires. */
  webSeeds: readonly string[];
  maxBadPieces: number;
  onBytes?: () => void;
  onBan?: (source: BannedSource) => void;
}

interface Source {
  kind: SourceKind;
  id: string;
  /** Web seed URL or BitTorrent peer id: what survives a reconnect. */
  key: string;
  badPieces: number;
  blame: number;
}

// WebTorrent 3 reports a failed piece only as this warning; the index is all it carries.
const FAILED_PIECE = /^Piece (\d+) failed verification$/;

export function watchSources(torrent: Torrent, options: SourceLedgerOptions): SourceLedger {
  // WebTorrent gives a web seed's wire no address, only a peer id: the SHA-1 of its URL.
  const webSeedByPeerId = new Map(
    options.webSeeds.map((url) => [createHash('sha1').update(url).digest('hex'), url]),
  );
  const bytes: SourceBytes = { peers: 0, webSeed: 0 };
  const sources = new Map<Wire, Source>();
  const contributors = new Map<number, Set<Wire>>();
  const bannedKeys = new Set<string>();
  const banned: BannedSource[] = [];
  let hashFailures = 0;
  let openPeers = 0;

  const ban = (wire: Wire, source: Source) => {
    if (bannedKeys.has(source.key)) return;
    bannedKeys.add(source.key);
    const record = { kind: source.kind, id: source.id, badPieces: source.badPieces };
    banned.push(record);
    if (source.kind === 'webSeed') torrent.removePeer(source.id);
    else wire.destroy();
    options.onBan?.(record);
  };

  const onWire = (wire: Wire) => {
    const kind: SourceKind = wire.type === 'webSeed' ? 'webSeed' : 'peers';
    const id =
      kind === 'webSeed'
        ? (webSeedByPeerId.get(wire.peerId) ?? wire.peerId)
        : `${wire.remoteAddress ?? '?'}:${wire.remotePort ?? 0}`;
    const key = kind === 'webSeed' ? id : wire.peerId;
    const source: Source = { kind, id, key, badPieces: 0, blame: 0 };
    if (bannedKeys.has(source.key)) return wire.destroy();
    sources.set(wire, source);
    if (kind === 'peers') openPeers++;
    wire.once('close', () => {
      sources.delete(wire);
      if (kind === 'peers') openPeers--;
    });
    wire.on('download', (count) => {
      bytes[kind] += count;
      options.onBytes?.();
    });
    wire.on('piece', (index) => {
      let wires = contributors.get(index);
      if (!wires) contributors.set(index, (wires = new Set()));
      wires.add(wire);
    });
  };
  const onVerified = (index: number) => contributors.delete(index);
  const onWarning = (warning: Error | string) => {
    const match = FAILED_PIECE.exec(typeof warning === 'string' ? warning : warning.message);
    if (!match) return;
    const index = Number(match[1]);
    hashFailures++;
    const wires = [...(contributors.get(index) ?? [])];
    contributors.delete(index);
    for (const wire of wires) {
      const source = sources.get(wire);
      if (!source) continue;
      source.badPieces++;
      source.blame += 1 / wires.length;
      if (source.blame >= options.maxBadPieces) ban(wire, source);
    }
  };

  torrent.on('wire', onWire);
  torrent.on('verified', onVerified);
  torrent.on('warning', onWarning);
  return {
    bytes,
    get hashFailures() {
      return hashFailures;
    },
    banned,
    get openPeers() {
      return openPeers;
    },
    isBanned: (url) => bannedKeys.has(url),
    stop() {
      torrent.off('wire', onWire);
      torrent.off('verified', onVerified);
      torrent.off('warning', onWarning);
    },
  };
}
