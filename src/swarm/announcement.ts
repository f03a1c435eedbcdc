/**
 * Signed segment announcements: the origin's statement that object `id` of stream `streamId` has
 * this length and SHA-256. Peers accept no byte that does not match one. The signed bytes are a
 * fixed binary layout (no canonicalisation questions); the same bytes travel on the wire.
 */
import { ByteReader, ByteWriter, WireError } from './bytes.js';
import { ed25519Sign, ed25519Verify, ed25519VerifyAsync } from './crypto.js';

export type ObjectKind = 'media' | 'init';

export interface Announcement {
  streamId: string;
  kind: ObjectKind;
  /** Media: the sequence number. Init: the init id. */
  id: number;
  /** The init segment media segments of this run need (equal to `id` for an init). */
  initId: number;
  durationMs: number;
  discontinuity: boolean;
  /** Discontinuities since the stream began, up to and including this segment. */
  discontinuitySequence: number;
  /** Wall-clock ms of the segment's first frame. */
  startedAt: number;
  /** Wall-clock ms at which the origin signed it; hop latency is measured from here. */
  publishedAt: number;
  byteLength: number;
  sha256: Uint8Array;
  signature: Uint8Array;
}

export type UnsignedAnnouncement = Omit<Announcement, 'signature'>;

const MAGIC = 0x53434131; // "SCA1"
const MAX_STREAM_ID = 64;
/** No segment or init is larger than this; a bigger claim is refused before any allocation. */
export const MAX_OBJECT_BYTES = 16 * 1024 * 1024;
export const SIGNATURE_BYTES = 64;
export const MAX_ANNOUNCEMENT_BYTES = 4 + 1 + 1 + MAX_STREAM_ID + 4 * 5 + 1 + 8 * 2 + 4 + 32 + 64;

function writeBody(writer: ByteWriter, a: UnsignedAnnouncement): void {
  const streamId = new TextEncoder().encode(a.streamId);
  if (streamId.length === 0 || streamId.length > MAX_STREAM_ID)
    throw new RangeError('stream id length');
  writer.u32(MAGIC);
  writer.u8(a.kind === 'media' ? 0 : 1);
  writer.u8(streamId.length);
  writer.bytes(streamId);
  writer.u32(a.id);
  writer.u32(a.initId);
  writer.u32(a.durationMs);
  writer.u32(a.discontinuitySequence);
  writer.u8(a.discontinuity ? 1 : 0);
  writer.f64(a.startedAt);
  writer.f64(a.publishedAt);
  writer.u32(a.byteLength);
  if (a.sha256.length !== 32) throw new RangeError('sha256 must be 32 bytes');
  writer.bytes(a.sha256);
}

export function signingBytes(a: UnsignedAnnouncement): Uint8Array {
  const writer = new ByteWriter(MAX_ANNOUNCEMENT_BYTES);
  writeBody(writer, a);
  return writer.finish();
}

export function signAnnouncement(a: UnsignedAnnouncement, secretKey: Uint8Array): Announcement {
  return { ...a, signature: ed25519Sign(signingBytes(a), secretKey) };
}

export function verifyAnnouncement(a: Announcement, publicKey: Uint8Array): boolean {
  try {
    return ed25519Verify(a.signature, signingBytes(a), publicKey);
  } catch {
    return false; // a field out of range cannot have been signed
  }
}

/** The same check, natively in a browser (WebCrypto) instead of in JavaScript. */
export async function verifyAnnouncementAsync(
  a: Announcement,
  publicKey: Uint8Array,
): Promise<boolean> {
  let bytes: Uint8Array;
  try {
    bytes = signingBytes(a);
  } catch {
    return false;
  }
  return ed25519VerifyAsync(a.signature, bytes, publicKey);
}

export function encodeAnnouncement(a: Announcement): Uint8Array {
  const writer = new ByteWriter(MAX_ANNOUNCEMENT_BYTES);
  writeBody(writer, a);
  writer.bytes(a.signature);
  return writer.finish();
}

/** Decodes untrusted bytes; throws WireError on anything malformed. Does not verify. */
export function decodeAnnouncement(bytes: Uint8Array): Announcement {
  if (bytes.length > MAX_ANNOUNCEMENT_BYTES) throw new WireError('announcement too long');
  const reader = new ByteReader(bytes);
  if (reader.u32() !== MAGIC) throw new WireError('not an announcement');
  const kindByte = reader.u8();
  if (kindByte > 1) throw new WireError('unknown object kind');
  const idLength = reader.u8();
  if (idLength === 0 || idLength > MAX_STREAM_ID) throw new WireError('bad stream id length');
  const streamId = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(
    reader.bytes(idLength),
  );
  const announcement: Announcement = {
    streamId,
    kind: kindByte === 0 ? 'media' : 'init',
    id: reader.u32(),
    initId: reader.u32(),
    durationMs: reader.u32(),
    discontinuitySequence: reader.u32(),
    discontinuity: reader.u8() === 1,
    startedAt: reader.f64(),
    publishedAt: reader.f64(),
    byteLength: reader.u32(),
    sha256: reader.bytes(32).slice(),
    signature: reader.bytes(SIGNATURE_BYTES).slice(),
  };
  reader.end();
  if (!Number.isFinite(announcement.startedAt) || !Number.isFinite(announcement.publishedAt)) {
    throw new WireError('bad timestamps');
  }
  if (announcement.byteLength === 0 || announcement.byteLength > MAX_OBJECT_BYTES) {
    throw new WireError('object length out of range');
  }
  return announcement;
}

/** A short key for maps: `media:42`, `init:3`. */
export const objectKey = (kind: ObjectKind, id: number): string => `${kind}:${id}`;
