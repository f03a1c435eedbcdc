/**
 * Where the updates page keeps a release while WebTorrent fetches it: page memory. The bytes are
 * hashed and handed to the reader as blobs anyway, and WebTorrent's browser default (the origin's
 * private file system) would leave copies behind after the page closes.
 */
import type { ChunkStore } from 'webtorrent';

type Done = (error: Error | null) => void;

export class PageChunkStore implements ChunkStore {
  private chunks: (Uint8Array | undefined)[] | undefined = [];
  private readonly chunkCount: number;
  private readonly lastLength: number;

  constructor(
    readonly chunkLength: number,
    options: { length?: number } = {},
  ) {
    if (!(chunkLength > 0)) throw new RangeError('chunk length must be positive');
    const length = options.length ?? Number.POSITIVE_INFINITY;
    this.chunkCount = Math.ceil(length / chunkLength);
    this.lastLength = length - (this.chunkCount - 1) * chunkLength;
  }

  private expectedLength(index: number): number {
    return index === this.chunkCount - 1 ? this.lastLength : this.chunkLength;
  }

  put(index: number, chunk: Uint8Array, callback: Done = () => undefined): void {
    const problem = !this.chunks
      ? 'the store is closed'
      : !(index >= 0 && index < this.chunkCount)
        ? `chunk ${index} is out of range`
        : chunk.length !== this.expectedLength(index)
          ? `chunk ${index} is ${chunk.length} bytes, not ${this.expectedLength(index)}`
          : undefined;
    if (!problem) this.chunks![index] = chunk;
    queueMicrotask(() => callback(problem ? new Error(problem) : null));
  }

  get(
    index: number,
    options: { offset?: number; length?: number } | null | undefined,
    callback: (error: Error | null, chunk?: Uint8Array) => void,
  ): void {
    const chunk = this.chunks?.[index];
    if (!chunk) {
      queueMicrotask(() => callback(new Error(`chunk ${index} not found`)));
      return;
    }
    const offset = options?.offset ?? 0;
    const length = options?.length ?? chunk.length - offset;
    const slice =
      offset === 0 && length === chunk.length ? chunk : chunk.subarray(offset, offset + length);
    queueMicrotask(() => callback(null, slice));
  }

  close(callback: Done = () => undefined): void {
    this.chunks = undefined;
    queueMicrotask(() => callback(null));
  }

  destroy(callback: Done = () => undefined): void {
    this.close(callback);
  }
}
