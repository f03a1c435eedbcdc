/**
 * The slice of webtorrent 3's API that `src/swarm/bulk/` uses (the package ships no types).
 * Events are declared one by one so listeners are checked, not `any`.
 */
declare module 'webtorrent' {
  import type { AddressInfo } from 'node:net';
  import type { Client as DhtClient } from 'bittorrent-dht';

  export interface WebTorrentOptions {
    /** 0 picks a free port. */
    torrentPort?: number;
    /** false, or options for bittorrent-dht's Client. */
    dht?: false | object;
    /** UDP port of the DHT node; 0 picks a free one. */
    dhtPort?: number;
    /** false disables every tracker, including those named by torrents. */
    tracker?: false | Record<string, unknown>;
    lsd?: boolean;
    utPex?: boolean;
    natUpnp?: boolean;
    natPmp?: boolean;
    utp?: boolean;
    /** false: web seeds named in torrent files are ignored; `addWebSeed` still works. */
    webSeeds?: boolean;
    /** Bytes per second, -1 for none. */
    uploadLimit?: number;
    downloadLimit?: number;
    maxConns?: number;
  }

  export interface AddTorrentOptions {
    /** The directory the torrent's `<name>/…` (or single file `<name>`) lives in. */
    path?: string;
    announce?: string[];
    strategy?: 'rarest' | 'sequential';
    skipVerify?: boolean;
    maxWebConns?: number;
    /** Unchoke slots; 0 or false never uploads. */
    uploads?: number | false;
  }

  export interface TorrentFile {
    readonly name: string;
    /** `<name>/<path>` for multi-file torrents, `<name>` for single-file ones. */
    readonly path: string;
    readonly length: number;
    readonly offset: number;
  }

  /** A bittorrent-protocol Wire: one peer connection, or one web seed. */
  export interface Wire {
    /** 'webSeed', 'tcpIncoming', 'tcpOutgoing', 'utpIncoming', 'utpOutgoing' or 'webrtc'. */
    readonly type: string;
    /** Hex; a web seed's is the SHA-1 of its URL. */
    readonly peerId: string;
    readonly remoteAddress?: string;
    readonly remotePort?: number;
    /** The pieces the remote says it has. */
    readonly peerPieces: { get(index: number): boolean };
    destroy(): void;
    on(event: 'download' | 'upload', listener: (bytes: number) => void): this;
    on(event: 'piece', listener: (index: number, offset: number, block: Uint8Array) => void): this;
    once(event: 'close', listener: () => void): this;
  }

  export interface Torrent {
    readonly infoHash: string;
    readonly name: string;
    readonly length: number;
    readonly pieceLength: number;
    readonly files: readonly TorrentFile[];
    /** The .torrent, once the metadata is known. */
    readonly torrentFile: Uint8Array;
    readonly ready: boolean;
    readonly done: boolean;
    readonly destroyed: boolean;
    /** Verified bytes plus blocks of pieces in progress. */
    readonly downloaded: number;
    /** Bytes sent to peers, protocol framing included. */
    readonly uploaded: number;
    /** 0..1 of `downloaded` over `length`. */
    readonly progress: number;
    /** Open wires (peers and web seeds). */
    readonly numPeers: number;
    readonly wires: readonly Wire[];
    /** One entry per piece once the metadata is known. */
    readonly pieces: readonly unknown[];
    addPeer(address: string): boolean;
    addWebSeed(url: string): void;
    removePeer(id: string): void;
    destroy(options?: { destroyStore?: boolean }, callback?: (error?: Error | null) => void): void;
    on(event: 'infoHash' | 'metadata' | 'ready' | 'done' | 'close', listener: () => void): this;
    on(event: 'verified', listener: (index: number) => void): this;
    on(event: 'wire', listener: (wire: Wire, address?: string) => void): this;
    on(event: 'warning' | 'error', listener: (error: Error | string) => void): this;
    off(event: string, listener: (...args: never[]) => void): this;
  }

  /** speed-limiter's ThrottleGroup: one token bucket that every upload stream draws from. */
  export interface ThrottleGroup {
    getEnabled(): boolean;
    /** Bytes per second (the bucket's size too). */
    getRate(): number;
    /** The slice a throttled stream takes from the bucket at a time (a tenth of the rate). */
    getChunksize(): number;
    readonly bucket: {
      tryRemoveTokens(count: number): boolean;
      removeTokens(count: number, callback: (error: Error | null) => void): void;
    };
  }

  export default class WebTorrent {
    constructor(options?: WebTorrentOptions);
    /** `up` meters every byte the client uploads; `throttleUpload` sets its rate. */
    readonly throttleGroups: { readonly up: ThrottleGroup };
    static readonly UTP_SUPPORT: boolean;
    readonly torrents: readonly Torrent[];
    readonly torrentPort: number;
    /** The DHT node, listening on every interface; false when disabled, null once destroyed. */
    readonly dht: DhtClient | false | null;
    readonly listening: boolean;
    readonly destroyed: boolean;
    add(torrentId: string | Uint8Array, options?: AddTorrentOptions): Torrent;
    /** Caps the whole client's upload, bytes per second (-1: unlimited). */
    throttleUpload(rate: number): boolean;
    get(torrentId: string | Uint8Array): Promise<Torrent | null>;
    address(): AddressInfo | null;
    destroy(callback?: (error?: Error | null) => void): void;
    on(event: 'error' | 'warning', listener: (error: Error | string) => void): this;
    once(event: 'listening', listener: () => void): this;
    once(event: 'error', listener: (error: Error | string) => void): this;
    off(event: string, listener: (...args: never[]) => void): this;
  }
}
