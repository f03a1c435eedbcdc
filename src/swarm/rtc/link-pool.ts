/**
 * Links opened to measure a candidate, kept briefly so that attaching to the chosen one reuses its
 * handshake instead of making another. A link nobody takes within `idleMs` is closed: the callee
 * would drop it anyway when no attach request follows.
 */
import type { ByteStream } from '../byte-stream.js';

export interface Link {
  stream: ByteStream;
  /** Round-trip time measured while the link was set up, in ms. */
  rttMs: number;
}

export type LinkDial = (peerId: string, signal: AbortSignal) => Promise<Link>;

interface Entry {
  link: Promise<Link>;
  timer?: ReturnType<typeof setTimeout>;
}

export class LinkPool {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly dial: LinkDial,
    private readonly idleMs = 4_000,
  ) {}

  /** A link to `peerId`: the pooled one, or a new dial. Rejects if the dial fails. */
  open(peerId: string, signal: AbortSignal): Promise<Link> {
    const existing = this.entries.get(peerId);
    if (existing) return existing.link;
    const entry: Entry = { link: this.dial(peerId, signal) };
    this.entries.set(peerId, entry);
    entry.link.then(
      (link) => {
        if (this.entries.get(peerId) !== entry) return;
        entry.timer = setTimeout(() => {
          if (this.entries.get(peerId) === entry) this.entries.delete(peerId);
          link.stream.abort(new Error('measured, not chosen'));
        }, this.idleMs);
      },
      () => {
        if (this.entries.get(peerId) === entry) this.entries.delete(peerId);
      },
    );
    return entry.link;
  }

  /** Takes the pooled link to `peerId` (or dials one): the caller owns it from now on. */
  take(peerId: string, signal: AbortSignal): Promise<Link> {
    const entry = this.entries.get(peerId);
    if (!entry) return this.dial(peerId, signal);
    this.entries.delete(peerId);
    clearTimeout(entry.timer);
    return entry.link;
  }

  close(): void {
    for (const entry of this.entries.values()) {
      clearTimeout(entry.timer);
      entry.link.then(
        (link) => link.stream.abort(new Error('stopping')),
        () => undefined,
      );
    }
    this.entries.clear();
  }
}
