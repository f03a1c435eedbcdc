/**
 * The part of webtorrent 3's API the updates page uses beyond the slice in `webtorrent.d.ts`:
 * reading a finished file, and a chunk store of the page's choosing. Declared as an augmentation
 * so the Node slice stays as it is.
 */
export {};

declare module 'webtorrent' {
  /** abstract-chunk-store: fixed-size chunks by index, callbacks in Node style. */
  export interface ChunkStore {
    readonly chunkLength: number;
    put(index: number, chunk: Uint8Array, callback?: (error: Error | null) => void): void;
    get(
      index: number,
      options: { offset?: number; length?: number } | null | undefined,
      callback: (error: Error | null, chunk?: Uint8Array) => void,
    ): void;
    close(callback?: (error: Error | null) => void): void;
    destroy(callback?: (error: Error | null) => void): void;
  }

  export type ChunkStoreConstructor = new (
    chunkLength: number,
    options?: { length?: number },
  ) => ChunkStore;

  interface AddTorrentOptions {
    store?: ChunkStoreConstructor;
    /** Pieces cached in memory in front of the store; 0 when the store is memory already. */
    storeCacheSlots?: number;
  }

  interface TorrentFile {
    /** The whole file, read from the store once its pieces are verified. */
    arrayBuffer(): Promise<ArrayBuffer>;
  }
}
