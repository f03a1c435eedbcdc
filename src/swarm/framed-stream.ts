/**
 * Frames over a byte stream (a libp2p stream, or a page-to-page data channel): `send` respects back-pressure (the caller sees how much is
 * queued), `read` returns the next frame or fails on malformed bytes, time-out or close.
 */
import type { ByteStream } from './byte-stream.js';
import { WireError } from './bytes.js';
import { FrameDecoder, encodeFrame, type Frame } from './frames.js';
import { raceAbort } from './race-abort.js';

export class StreamClosedError extends Error {
  override readonly name = 'StreamClosedError';
}

export class FramedStream {
  private readonly decoder = new FrameDecoder();
  private readonly queue: Frame[] = [];
  private readonly source: AsyncIterator<Uint8Array | { subarray(): Uint8Array }>;
  /** Payload bytes written, for upload accounting. */
  bytesSent = 0;
  /** Rewrites outgoing frames: fault injection for tests of misbehaving peers, never set otherwise. */
  outgoing: ((frame: Frame) => Frame) | undefined;

  constructor(readonly stream: ByteStream) {
    this.source = stream[Symbol.asyncIterator]() as AsyncIterator<
      Uint8Array | { subarray(): Uint8Array }
    >;
  }

  /** Sends one frame; false means the transport asked us to slow down. */
  send(frame: Frame): boolean {
    const bytes = encodeFrame(this.outgoing ? this.outgoing(frame) : frame);
    this.bytesSent += bytes.length;
    return this.stream.send(bytes);
  }

  /** Bytes handed to `send` that the transport has not taken yet. */
  get queuedBytes(): number {
    return this.stream.writeBufferLength;
  }

  get open(): boolean {
    return this.stream.status === 'open';
  }

  /** The next frame. Throws WireError (malformed), StreamClosedError, or the signal's reason. */
  async read(signal?: AbortSignal): Promise<Frame> {
    for (;;) {
      const queued = this.queue.shift();
      if (queued) return queued;
      signal?.throwIfAborted();
      const next = await raceAbort(this.source.next(), signal);
      if (next.done) throw new StreamClosedError('stream closed by the remote');
      const value = next.value;
      const bytes = value instanceof Uint8Array ? value : value.subarray();
      this.queue.push(...this.decoder.push(bytes));
    }
  }

  async close(): Promise<void> {
    try {
      await this.stream.close({ signal: AbortSignal.timeout(2_000) });
    } catch {
      this.stream.abort(new Error('close timed out'));
    }
  }

  abort(reason: Error): void {
    if (this.stream.status === 'open' || this.stream.status === 'closing')
      this.stream.abort(reason);
  }
}

export { WireError };
