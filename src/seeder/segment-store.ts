/**
 * The live segment window. Holds the init segment of each encoder run and the last
 * `retainSegments` media segments; older ones are dropped, so memory does not grow with the
 * length of the broadcast. Sequence numbers are the stream's own and never repeat, across
 * encoder restarts too.
 */
import { EventEmitter } from 'node:events';

export interface LiveSegment {
  sequence: number;
  /** Seconds of media. */
  duration: number;
  bytes: Uint8Array;
  /** Which init segment (encoder run) this segment belongs to. */
  initId: number;
  /** True for the first segment after an encoder restart. */
  discontinuity: boolean;
  /** Wall-clock time (ms) of the segment's first frame, for EXT-X-PROGRAM-DATE-TIME. */
  startedAt: number;
}

export interface SegmentStoreEvents {
  segment: [LiveSegment];
  ended: [];
}

export class SegmentStore extends EventEmitter<SegmentStoreEvents> {
  private readonly segments: LiveSegment[] = [];
  private readonly inits = new Map<number, Uint8Array>();
  private nextSequence = 0;
  private currentInit = -1;
  private pendingDiscontinuity = false;
  private discontinuitiesDropped = 0;
  private endedFlag = false;
  published = 0;

  constructor(private readonly retain: number) {
    super();
    if (!Number.isInteger(retain) || retain < 1) throw new RangeError('retain must be >= 1');
  }

  /** Starts a new encoder run: later segments refer to this init and open with a discontinuity. */
  beginRun(init: Uint8Array): number {
    this.currentInit += 1;
    this.inits.set(this.currentInit, init);
    this.pendingDiscontinuity = this.nextSequence > 0;
    this.endedFlag = false;
    return this.currentInit;
  }

  append(duration: number, bytes: Uint8Array, now = Date.now()): LiveSegment {
    if (this.currentInit < 0) throw new Error('append before beginRun');
    const segment: LiveSegment = {
      sequence: this.nextSequence++,
      duration,
      bytes,
      initId: this.currentInit,
      discontinuity: this.pendingDiscontinuity,
      startedAt: now - duration * 1000,
    };
    this.pendingDiscontinuity = false;
    this.segments.push(segment);
    while (this.segments.length > this.retain) {
      const dropped = this.segments.shift();
      if (dropped?.discontinuity) this.discontinuitiesDropped += 1;
    }
    this.pruneInits();
    this.published += 1;
    this.emit('segment', segment);
    return segment;
  }

  end(): void {
    this.endedFlag = true;
    this.emit('ended');
  }

  get ended(): boolean {
    return this.endedFlag;
  }

  get(sequence: number): LiveSegment | undefined {
    const first = this.segments[0];
    if (!first) return undefined;
    return this.segments[sequence - first.sequence];
  }

  init(id: number): Uint8Array | undefined {
    return this.inits.get(id);
  }

  /** The newest `count` segments, oldest first. */
  latest(count: number): LiveSegment[] {
    return this.segments.slice(Math.max(0, this.segments.length - count));
  }

  get lastSequence(): number | null {
    return this.segments.at(-1)?.sequence ?? null;
  }

  /** Discontinuities that have slid out of the window, for EXT-X-DISCONTINUITY-SEQUENCE. */
  discontinuitiesBefore(sequence: number): number {
    let count = this.discontinuitiesDropped;
    for (const segment of this.segments) {
      if (segment.sequence >= sequence) break;
      if (segment.discontinuity) count += 1;
    }
    return count;
  }

  private pruneInits(): void {
    const oldest = this.segments[0]?.initId ?? this.currentInit;
    for (const id of this.inits.keys()) {
      if (id < oldest && id !== this.currentInit) this.inits.delete(id);
    }
  }
}
