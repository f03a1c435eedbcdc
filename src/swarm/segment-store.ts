/**
 * A bounded window of live segments and their init segments, as held by the origin and by every
 * peer. Segments may arrive out of order (a gap filled later); the window keeps the newest
 * `retain` sequences, so memory does not grow with the length of the broadcast.
 */
import type { Announcement } from './announcement.js';

export interface LiveSegment {
  sequence: number;
  /** Seconds of media. */
  duration: number;
  bytes: Uint8Array;
  /** Which init segment (encoder run) this segment belongs to. */
  initId: number;
  /** True for the first segment after an encoder restart. */
  discontinuity: boolean;
  /** Discontinuities since the stream began, up to and including this segment. */
  discontinuitySequence: number;
  /** Wall-clock time (ms) of the segment's first frame, for EXT-X-PROGRAM-DATE-TIME. */
  startedAt: number;
  /** The origin's signed statement of this segment (absent only in unit tests). */
  announcement?: Announcement;
  /**
   * Whether this peer got the bytes from the origin (its push to a child of the origin, or a
   * fetch from it) rather than from another peer: P2P share counts only the latter.
   */
  fromOrigin?: boolean;
}

export interface InitSegment {
  id: number;
  bytes: Uint8Array;
  announcement?: Announcement;
}

type Listener<T> = (value: T) => void;

export class SegmentStore {
  private readonly segments = new Map<number, LiveSegment>();
  private readonly inits = new Map<number, InitSegment>();
  private newest = -1;
  private endedFlag = false;
  private readonly segmentListeners = new Set<Listener<LiveSegment>>();
  private readonly initListeners = new Set<Listener<InitSegment>>();
  /** Segments ever added (not the number held). */
  received = 0;

  constructor(readonly retain: number) {
    if (!Number.isInteger(retain) || retain < 1) throw new RangeError('retain must be >= 1');
  }

  onSegment(listener: Listener<LiveSegment>): () => void {
    this.segmentListeners.add(listener);
    return () => this.segmentListeners.delete(listener);
  }

  onInit(listener: Listener<InitSegment>): () => void {
    this.initListeners.add(listener);
    return () => this.initListeners.delete(listener);
  }

  /** Adds an init segment; returns false if it was already held. */
  putInit(init: InitSegment): boolean {
    if (this.inits.has(init.id)) return false;
    this.inits.set(init.id, init);
    for (const listener of this.initListeners) listener(init);
    return true;
  }

  /** The newest init segment held. */
  latestInit(): InitSegment | undefined {
    let latest: InitSegment | undefined;
    for (const init of this.inits.values()) if (!latest || init.id > latest.id) latest = init;
    return latest;
  }

  /** Adds a segment; returns false if it is a duplicate or already too old for the window. */
  put(segment: LiveSegment): boolean {
    if (this.segments.has(segment.sequence)) return false;
    if (segment.sequence <= this.newest - this.retain) return false;
    this.segments.set(segment.sequence, segment);
    if (segment.sequence > this.newest) {
      this.newest = segment.sequence;
      for (const sequence of this.segments.keys()) {
        if (sequence <= this.newest - this.retain) this.segments.delete(sequence);
      }
      this.pruneInits();
    }
    this.received += 1;
    for (const listener of this.segmentListeners) listener(segment);
    return true;
  }

  end(): void {
    this.endedFlag = true;
  }

  get ended(): boolean {
    return this.endedFlag;
  }

  get(sequence: number): LiveSegment | undefined {
    return this.segments.get(sequence);
  }

  has(sequence: number): boolean {
    return this.segments.has(sequence);
  }

  init(id: number): InitSegment | undefined {
    return this.inits.get(id);
  }

  get lastSequence(): number | null {
    return this.newest < 0 ? null : this.newest;
  }

  /** Sequences held, oldest first. */
  sequences(): number[] {
    return [...this.segments.keys()].sort((a, b) => a - b);
  }

  /**
   * The newest `count` segments that follow each other without a hole, oldest first. A hole (a
   * segment still being fetched) ends the playlist before it, so players never skip media; a
   * short run after the hole is ignored until the hole is filled.
   */
  playlistWindow(count: number): LiveSegment[] {
    const held = this.sequences();
    let end = held.length - 1;
    let start = end;
    while (start > 0 && held[start - 1] === held[start]! - 1) start -= 1;
    if (end - start + 1 < Math.min(3, count) && start > 0) {
      end = start - 1;
      start = end;
      while (start > 0 && held[start - 1] === held[start]! - 1) start -= 1;
    }
    const from = Math.max(start, end - count + 1);
    return held.slice(from, end + 1).map((sequence) => this.segments.get(sequence)!);
  }

  private pruneInits(): void {
    let oldest = Infinity;
    for (const segment of this.segments.values()) {
      oldest = Math.min(oldest, segment.initId);
    }
    for (const id of this.inits.keys()) {
      if (id < oldest) this.inits.delete(id);
    }
  }
}
