/**
 * Turns encoder output into signed objects: numbers each segment, signs its announcement with the
 * stream key, and puts it in the origin's store, from where HTTP and the swarm serve it.
 */
import { sha256 } from '../swarm/crypto.js';
import { signAnnouncement, type UnsignedAnnouncement } from '../swarm/announcement.js';
import type { LiveSegment, SegmentStore } from '../swarm/segment-store.js';
import type { KeyPair } from './stream-key.js';

export class LivePublisher {
  private nextSequence = 0;
  private currentInit = -1;
  private pendingDiscontinuity = false;
  private discontinuities = 0;

  constructor(
    readonly store: SegmentStore,
    private readonly streamId: string,
    private readonly key: KeyPair,
  ) {}

  /** Starts a new encoder run: later segments use this init and open with a discontinuity. */
  beginRun(init: Uint8Array, now = Date.now()): number {
    this.currentInit += 1;
    const announcement = signAnnouncement(
      this.unsigned('init', this.currentInit, init, 0, now, now),
      this.key.secretKey,
    );
    this.store.putInit({ id: this.currentInit, bytes: init, announcement });
    this.pendingDiscontinuity = this.nextSequence > 0;
    return this.currentInit;
  }

  append(duration: number, bytes: Uint8Array, now = Date.now()): LiveSegment {
    if (this.currentInit < 0) throw new Error('append before beginRun');
    const discontinuity = this.pendingDiscontinuity;
    if (discontinuity) this.discontinuities += 1;
    this.pendingDiscontinuity = false;
    const sequence = this.nextSequence++;
    const startedAt = now - duration * 1000;
    const unsigned = {
      ...this.unsigned('media', sequence, bytes, Math.round(duration * 1000), startedAt, now),
      discontinuity,
    };
    const segment: LiveSegment = {
      sequence,
      duration,
      bytes,
      initId: this.currentInit,
      discontinuity,
      discontinuitySequence: this.discontinuities,
      startedAt,
      announcement: signAnnouncement(unsigned, this.key.secretKey),
    };
    this.store.put(segment);
    return segment;
  }

  private unsigned(
    kind: 'media' | 'init',
    id: number,
    bytes: Uint8Array,
    durationMs: number,
    startedAt: number,
    publishedAt: number,
  ): UnsignedAnnouncement {
    return {
      streamId: this.streamId,
      kind,
      id,
      initId: this.currentInit,
      durationMs,
      discontinuity: false,
      discontinuitySequence: this.discontinuities,
      startedAt,
      publishedAt,
      byteLength: bytes.length,
      sha256: sha256(bytes),
    };
  }
}
