/**
 * Reassembles objects (segments and init segments) from announce + chunk frames sent by one
 * peer, and checks each against its signed announcement. Non-final chunks are reported as they
 * arrive so they can be forwarded at once (cut-through); an object only counts once its last
 * chunk has arrived and the whole matches the announced length and SHA-256. Anything else is a
 * protocol violation by the sender: the caller disconnects it and does not choose it again.
 */
import { sha256Async } from './crypto.js';
import {
  objectKey,
  verifyAnnouncementAsync,
  type Announcement,
  type ObjectKind,
} from './announcement.js';
import type { Frame } from './frames.js';
import type { InitSegment, LiveSegment } from './segment-store.js';

export class ProtocolViolation extends Error {
  override readonly name = 'ProtocolViolation';
  constructor(
    message: string,
    /** Corrupt data (as opposed to a malformed or out-of-order message). */
    readonly corrupt = false,
  ) {
    super(message);
  }
}

export interface VerifiedObject {
  announcement: Announcement;
  bytes: Uint8Array;
}

export interface AssemblerHooks {
  /** A valid announcement for an object we do not have yet. */
  onAnnounce?(announcement: Announcement): void;
  /** A chunk that is not the last of its object, forwarded before verification. */
  onChunk?(announcement: Announcement, offset: number, data: Uint8Array): void;
  onVerified(object: VerifiedObject): void;
  /** The sender gave up on an object (its own upstream sent corrupt data). */
  onAbort?(kind: ObjectKind, id: number): void;
  /** Whether the object is already held, so its bytes need not be assembled again. */
  has(kind: ObjectKind, id: number): boolean;
}

interface Pending {
  announcement: Announcement;
  buffer: Uint8Array | undefined;
  received: number;
}

/** More objects in flight from one sender than this is abuse, not streaming. */
const MAX_PENDING = 4;

export class ObjectAssembler {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly publicKey: Uint8Array,
    private readonly streamId: string,
    private readonly hooks: AssemblerHooks,
  ) {}

  /**
   * Handles one frame; rejects with ProtocolViolation if the sender misbehaved. Checks are
   * asynchronous (a browser runs them in WebCrypto), so the caller awaits each frame before it
   * hands over the next: frames of one sender are processed in order.
   */
  async handle(frame: Frame): Promise<void> {
    switch (frame.type) {
      case 'announce':
        return this.announce(frame.announcement);
      case 'chunk':
        return this.chunk(frame.kind, frame.id, frame.offset, frame.data);
      case 'abort': {
        const key = objectKey(frame.kind, frame.id);
        if (this.pending.delete(key)) this.hooks.onAbort?.(frame.kind, frame.id);
        return;
      }
      case 'control':
        throw new ProtocolViolation(`unexpected control message ${frame.message.t}`);
    }
  }

  /** Objects announced but not complete. */
  get inFlight(): number {
    return this.pending.size;
  }

  private async announce(announcement: Announcement): Promise<void> {
    if (announcement.streamId !== this.streamId)
      throw new ProtocolViolation('announcement for another stream');
    if (!(await verifyAnnouncementAsync(announcement, this.publicKey)))
      throw new ProtocolViolation('bad announcement signature', true);
    if (announcement.kind === 'init' && announcement.id !== announcement.initId) {
      throw new ProtocolViolation('init announcement with mismatched ids');
    }
    const key = objectKey(announcement.kind, announcement.id);
    if (this.pending.has(key)) throw new ProtocolViolation('object announced twice');
    if (this.pending.size >= MAX_PENDING) throw new ProtocolViolation('too many objects in flight');
    const known = this.hooks.has(announcement.kind, announcement.id);
    // A known object's chunks are still read (to keep the stream in step) but not buffered.
    this.pending.set(key, {
      announcement,
      buffer: known ? undefined : new Uint8Array(announcement.byteLength),
      received: 0,
    });
    if (!known) this.hooks.onAnnounce?.(announcement);
  }

  private async chunk(
    kind: ObjectKind,
    id: number,
    offset: number,
    data: Uint8Array,
  ): Promise<void> {
    const key = objectKey(kind, id);
    const entry = this.pending.get(key);
    if (!entry) throw new ProtocolViolation('chunk for an object that was not announced');
    if (offset !== entry.received) throw new ProtocolViolation('chunk out of order');
    const { announcement } = entry;
    if (offset + data.length > announcement.byteLength) {
      throw new ProtocolViolation('more bytes than announced', true);
    }
    entry.buffer?.set(data, offset);
    entry.received += data.length;
    if (entry.received < announcement.byteLength) {
      if (entry.buffer) this.hooks.onChunk?.(announcement, offset, data);
      return;
    }
    this.pending.delete(key);
    if (!entry.buffer) return;
    // Hashed whole, once: natively in a browser, where hashing chunk by chunk would be JavaScript.
    if (!equalBytes(await sha256Async(entry.buffer), announcement.sha256)) {
      throw new ProtocolViolation(`${kind} ${id}: bytes do not match the signed SHA-256`, true);
    }
    this.hooks.onVerified({ announcement, bytes: entry.buffer });
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function toLiveSegment({ announcement, bytes }: VerifiedObject): LiveSegment {
  return {
    sequence: announcement.id,
    duration: announcement.durationMs / 1000,
    bytes,
    initId: announcement.initId,
    discontinuity: announcement.discontinuity,
    discontinuitySequence: announcement.discontinuitySequence,
    startedAt: announcement.startedAt,
    announcement,
  };
}

export function toInitSegment({ announcement, bytes }: VerifiedObject): InitSegment {
  return { id: announcement.id, bytes, announcement };
}
