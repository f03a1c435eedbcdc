// The part of bittorrent-dht 11 Swarmcast uses (the package ships no types): a node, and BEP 44
// mutable put/get. Binary fields arrive as Buffers (bencode decodes byte strings to Buffers).
declare module 'bittorrent-dht' {
  import { EventEmitter } from 'node:events';
  import type { AddressInfo } from 'node:net';

  export interface DhtOptions {
    /** 'host:port' strings; `false` or `[]` joins through nobody. Omitted: the public routers. */
    bootstrap?: string[] | false;
    /** Checks BEP 44 item signatures; without it the node neither stores nor returns them. */
    verify?: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;
    /** Milliseconds before one KRPC query counts as lost (k-rpc-socket; default 2000). */
    timeout?: number;
  }

  export interface MutablePutOptions {
    /** ed25519 public key, 32 bytes. */
    k: Buffer;
    /** The value; its bencoded form must stay within 1000 bytes. */
    v: Buffer;
    seq: number;
    /** At most 64 bytes; part of the item's address. */
    salt?: Buffer;
    /** Signs the bencoded `salt`/`seq`/`v` as BEP 44 specifies; 64-byte ed25519 signature. */
    sign: (message: Buffer) => Buffer;
  }

  export interface MutableGetOptions {
    /** Must be the salt the item was put with: the signature covers it. */
    salt?: Buffer;
    /** false: ask the network even when this node stores the item itself. */
    cache?: boolean;
  }

  export interface DhtItem {
    v: Buffer;
    /** The id of the node that answered. */
    id: Buffer;
    k?: Buffer;
    sig?: Buffer;
    seq?: number;
  }

  /** KRPC errors carry the remote's error code (302: seq not above the stored one). */
  export type DhtError = Error & { code?: number | string };

  export interface DhtEvents {
    listening: [];
    /** The bootstrap lookup finished (whether or not it found anyone). */
    ready: [];
    error: [Error];
    warning: [Error];
  }

  export class Client extends EventEmitter<DhtEvents> {
    constructor(options?: DhtOptions);
    readonly listening: boolean;
    readonly destroyed: boolean;
    readonly ready?: boolean;
    listen(port?: number, address?: string, onListening?: () => void): void;
    address(): AddressInfo;
    /** Returns the item's target (SHA-1 of `k` and `salt`); throws on invalid options. */
    put(
      options: MutablePutOptions,
      callback: (error: DhtError | null, target?: Buffer, nodes?: number) => void,
    ): Buffer;
    /** The verified item with the highest seq any node returned, or null. */
    get(
      target: Buffer,
      options: MutableGetOptions,
      callback: (error: Error | null, item: DhtItem | null) => void,
    ): void;
    destroy(callback?: () => void): void;
  }

  export default Client;
}
