/**
 * An RTCDataChannel as a ByteStream: messages in order as an async iterable, `send` with the
 * channel's own buffer as back-pressure. One channel carries one live-protocol stream, so no
 * multiplexer or per-message envelope sits between the frames and SCTP.
 */
import type { ByteStream } from '../byte-stream.js';

/** Above this many buffered bytes `send` asks the caller to slow down. */
const HIGH_WATER_BYTES = 1024 * 1024;

export class DataChannelStream implements ByteStream {
  private readonly queue: Uint8Array[] = [];
  private waiting: ((result: IteratorResult<Uint8Array>) => void) | undefined;
  private failed: ((error: Error) => void) | undefined;
  private ended: Error | 'closed' | undefined;
  status: 'open' | 'closed' | 'aborted' = 'open';

  constructor(
    private readonly channel: RTCDataChannel,
    /** Called once the channel is closed, from either side, to free the peer connection. */
    private readonly onClosed: () => void = () => undefined,
  ) {
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('message', (event: MessageEvent<ArrayBuffer | string>) => {
      if (typeof event.data === 'string') {
        this.abort(new Error('text message on a binary channel'));
        return;
      }
      const bytes = new Uint8Array(event.data);
      const waiting = this.waiting;
      if (waiting) {
        this.waiting = undefined;
        this.failed = undefined;
        waiting({ value: bytes, done: false });
      } else this.queue.push(bytes);
    });
    channel.addEventListener('close', () => this.finish('closed'));
    channel.addEventListener('error', (event) =>
      this.finish(new Error(`data channel error: ${event.error?.message}`)),
    );
  }

  get writeBufferLength(): number {
    return this.channel.readyState === 'open' ? this.channel.bufferedAmount : 0;
  }

  send(bytes: Uint8Array): boolean {
    if (this.status !== 'open' || this.channel.readyState !== 'open')
      throw new Error('data channel is closed');
    this.channel.send(bytes as Uint8Array<ArrayBuffer>);
    return this.channel.bufferedAmount < HIGH_WATER_BYTES;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => {
        const queued = this.queue.shift();
        if (queued) return Promise.resolve({ value: queued, done: false });
        if (this.ended === 'closed') return Promise.resolve({ value: undefined, done: true });
        if (this.ended) return Promise.reject(this.ended);
        return new Promise((resolve, reject) => {
          this.waiting = resolve;
          this.failed = reject;
        });
      },
    };
  }

  close(): Promise<void> {
    this.finish('closed');
    return Promise.resolve();
  }

  abort(reason: Error): void {
    this.finish(reason);
  }

  private finish(how: Error | 'closed'): void {
    if (this.ended) return;
    this.ended = how;
    this.status = how === 'closed' ? 'closed' : 'aborted';
    if (how === 'closed') this.waiting?.({ value: undefined, done: true });
    else this.failed?.(how);
    this.waiting = undefined;
    this.failed = undefined;
    if (this.channel.readyState === 'open' || this.channel.readyState === 'connecting')
      this.channel.close();
    this.onClosed();
  }
}
