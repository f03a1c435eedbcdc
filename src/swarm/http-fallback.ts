/**
 * The last resort for a missing object: the origin's HTTP server. The bytes are checked against
 * the origin's signed announcement (served next to them) exactly as swarm bytes are.
 */
import { sha256 } from './crypto.js';
import {
  decodeAnnouncement,
  verifyAnnouncement,
  MAX_ANNOUNCEMENT_BYTES,
  MAX_OBJECT_BYTES,
  type ObjectKind,
} from './announcement.js';
import type { VerifiedObject } from './object-assembler.js';

export function announcementPath(stream: string, kind: ObjectKind, id: number): string {
  return `/swarm/${stream}/announcement/${kind}/${id}`;
}

export function objectPath(stream: string, kind: ObjectKind, id: number): string {
  return kind === 'media' ? `/live/${stream}/${id}.m4s` : `/live/${stream}/init-${id}.mp4`;
}

async function readLimited(response: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > limit) throw new Error('response larger than allowed');
  const body = new Uint8Array(await response.arrayBuffer());
  if (body.length > limit) throw new Error('response larger than allowed');
  return body;
}

export async function fetchFromOrigin(
  httpBase: string,
  stream: string,
  publicKey: Uint8Array,
  kind: ObjectKind,
  id: number,
  signal: AbortSignal,
): Promise<VerifiedObject | undefined> {
  const annResponse = await fetch(new URL(announcementPath(stream, kind, id), httpBase), {
    signal,
  });
  if (annResponse.status === 404) return undefined;
  if (!annResponse.ok) throw new Error(`origin answered ${annResponse.status}`);
  const announcement = decodeAnnouncement(await readLimited(annResponse, MAX_ANNOUNCEMENT_BYTES));
  if (announcement.kind !== kind || announcement.id !== id || announcement.streamId !== stream) {
    throw new Error('origin sent the wrong announcement');
  }
  if (!verifyAnnouncement(announcement, publicKey))
    throw new Error('origin announcement does not verify');
  const response = await fetch(new URL(objectPath(stream, kind, id), httpBase), { signal });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`origin answered ${response.status}`);
  const bytes = await readLimited(response, Math.min(MAX_OBJECT_BYTES, announcement.byteLength));
  const digest = sha256(bytes);
  if (
    bytes.length !== announcement.byteLength ||
    !digest.every((b, i) => b === announcement.sha256[i])
  ) {
    throw new Error('origin bytes do not match the announcement');
  }
  return { announcement, bytes };
}
