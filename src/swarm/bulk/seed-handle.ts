/** A torrent this client serves to peers, seen from outside: its upload and how to stop it. */
import type { Torrent } from 'webtorrent';

export interface SeedHandle {
  readonly infoHash: string;
  /** The torrent's total size in bytes. */
  readonly length: number;
  /** Bytes sent to peers so far, BitTorrent framing included. */
  readonly uploaded: number;
  /** Peer connections open now. */
  readonly peers: number;
  /**
   * How many complete copies the connected peers hold between them (the rarest piece's count):
   * at 1 or more the swarm can finish without this seeder.
   */
  distributedCopies(): number;
  /** Stops serving; the files stay on disk. */
  stop(): Promise<void>;
}

export function seedHandle(torrent: Torrent): SeedHandle {
  return {
    infoHash: torrent.infoHash,
    length: torrent.length,
    // A plain counter on the torrent; it stays readable after destroy.
    get uploaded() {
      return torrent.uploaded;
    },
    get peers() {
      return torrent.destroyed ? 0 : torrent.numPeers;
    },
    distributedCopies() {
      if (torrent.destroyed || torrent.pieces.length === 0) return 0;
      const peers = torrent.wires.filter((wire) => wire.type !== 'webSeed');
      let rarest = Infinity;
      for (let index = 0; index < torrent.pieces.length && rarest > 0; index++) {
        let holders = 0;
        for (const wire of peers) if (wire.peerPieces.get(index)) holders += 1;
        rarest = Math.min(rarest, holders);
      }
      return rarest === Infinity ? 0 : rarest;
    },
    stop: () => destroyTorrent(torrent),
  };
}

/** Destroys `torrent`, keeping its files; resolves once its connections and files are closed. */
export function destroyTorrent(torrent: Torrent): Promise<void> {
  return new Promise((resolve) => {
    if (torrent.destroyed) return resolve();
    torrent.destroy({ destroyStore: false }, () => resolve());
  });
}
