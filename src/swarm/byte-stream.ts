/**
 * What the live protocol needs of a transport stream: ordered bytes both ways, back-pressure, and
 * a close. A libp2p `Stream` is one; so is a page-to-page WebRTC data channel
 * (`rtc/data-channel-stream.ts`), which the live plane uses without libp2p's framing around it.
 */
export interface ByteStream extends AsyncIterable<Uint8Array | { subarray(): Uint8Array }> {
  /** Queues bytes; false asks the caller to slow down (the queue is past its high-water mark). */
  send(bytes: Uint8Array): boolean;
  /** Bytes queued but not yet handed to the network. */
  readonly writeBufferLength: number;
  /** `open` while usable; libp2p adds `closing`, `closed`, `aborted` and `reset`. */
  readonly status: string;
  close(options?: { signal?: AbortSignal }): Promise<void>;
  abort(reason: Error): void;
}
