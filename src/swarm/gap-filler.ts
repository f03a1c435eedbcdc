/**
 * Fills holes in the sequence a peer has received (segments missed while re-attaching, or thrown
 * away as corrupt): after a short grace period (the new parent usually sends them), each missing
 * segment is pulled from the parent, then from measured neighbours, then from the origin over
 * HTTP. A segment that cannot be had anywhere is counted as missed.
 */
import type { Logger } from './logger.js';
import type { VerifiedObject } from './object-assembler.js';
import type { ObjectKind } from './announcement.js';
import type { SegmentStore } from './segment-store.js';

export interface FetchSource {
  name: string;
  /** The peer behind this source, if it is one. */
  peerId?: string;
  fromOrigin: boolean;
  fetch(kind: ObjectKind, id: number, signal: AbortSignal): Promise<VerifiedObject | undefined>;
}

export interface GapFillerOptions {
  store: SegmentStore;
  /** Where to look, best first; asked afresh for each attempt. */
  sources: () => FetchSource[];
  /** Stores a fetched object (and does the accounting). */
  deliver: (object: VerifiedObject, source: FetchSource) => void;
  /** A peer sent bad data through a fetch. */
  onBadSource: (source: FetchSource, error: Error) => void;
  log: Logger;
  graceMs?: number;
}

interface Wanted {
  kind: ObjectKind;
  id: number;
  since: number;
  tries: number;
  busy: boolean;
}

const TICK_MS = 200;
const FETCH_TIMEOUT_MS = 3_000;
const MAX_TRIES = 3;
const MAX_CONCURRENT = 2;

export class GapFiller {
  private floor: number | undefined;
  private highest = -1;
  private readonly wanted = new Map<string, Wanted>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly controller = new AbortController();
  private running = 0;
  missed = 0;
  filled = 0;

  constructor(private readonly options: GapFillerOptions) {}

  start(): void {
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.controller.abort();
  }

  /** The first sequence this peer is responsible for. */
  get firstSequence(): number | null {
    return this.floor ?? null;
  }

  /** Called for every media segment that reaches the store. */
  noteSegment(sequence: number, initId: number): void {
    const { store } = this.options;
    if (this.floor === undefined) this.floor = sequence;
    this.floor = Math.min(this.floor, sequence);
    this.wanted.delete(`media:${sequence}`);
    if (sequence > this.highest) {
      const from = Math.max(this.floor, this.highest + 1, sequence - store.retain + 1);
      for (let missing = from; missing < sequence; missing++) {
        if (!store.has(missing)) this.want('media', missing);
      }
      this.highest = sequence;
    }
    if (!store.init(initId)) this.want('init', initId);
  }

  noteInit(id: number): void {
    this.wanted.delete(`init:${id}`);
  }

  get pending(): number {
    return this.wanted.size;
  }

  private want(kind: ObjectKind, id: number): void {
    const key = `${kind}:${id}`;
    if (!this.wanted.has(key))
      this.wanted.set(key, { kind, id, since: Date.now(), tries: 0, busy: false });
  }

  private tick(): void {
    const grace = this.options.graceMs ?? 500;
    const now = Date.now();
    for (const [key, entry] of this.wanted) {
      if (this.running >= MAX_CONCURRENT) break;
      if (entry.busy || now - entry.since < grace) continue;
      if (entry.kind === 'media' && entry.id <= this.highest - this.options.store.retain) {
        this.giveUp(key, entry, 'fell out of the window');
        continue;
      }
      entry.busy = true;
      this.running += 1;
      void this.fill(key, entry).finally(() => {
        entry.busy = false;
        this.running -= 1;
      });
    }
  }

  private async fill(key: string, entry: Wanted): Promise<void> {
    for (const source of this.options.sources()) {
      if (this.controller.signal.aborted || !this.wanted.has(key)) return;
      try {
        const signal = AbortSignal.any([
          this.controller.signal,
          AbortSignal.timeout(FETCH_TIMEOUT_MS),
        ]);
        const object = await source.fetch(entry.kind, entry.id, signal);
        if (!object) continue;
        this.wanted.delete(key);
        this.filled += 1;
        this.options.deliver(object, source);
        this.options.log.debug(`filled ${key} from ${source.name}`);
        return;
      } catch (error) {
        if ((error as Error).name === 'ProtocolViolation')
          this.options.onBadSource(source, error as Error);
      }
    }
    entry.tries += 1;
    entry.since = Date.now();
    if (entry.tries >= MAX_TRIES) this.giveUp(key, entry, 'no peer and not the origin had it');
  }

  private giveUp(key: string, entry: Wanted, why: string): void {
    this.wanted.delete(key);
    if (entry.kind === 'media') this.missed += 1;
    this.options.log.warn(`gave up on ${key}: ${why}`);
  }
}
