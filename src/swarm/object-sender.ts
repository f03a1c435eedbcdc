/** Sends a whole verified object (announce, then chunks of at most 64 KiB) on a framed stream. */
import type { Announcement } from './announcement.js';
import type { FramedStream } from './framed-stream.js';
import { LIMITS } from './protocol.js';

/** Sends bytes [from, end) as chunks; returns the payload bytes sent. */
export function sendChunks(
  framed: FramedStream,
  announcement: Announcement,
  bytes: Uint8Array,
  from = 0,
): number {
  let sent = 0;
  for (let offset = from; offset < bytes.length; offset += LIMITS.chunkBytes) {
    const data = bytes.subarray(offset, Math.min(bytes.length, offset + LIMITS.chunkBytes));
    framed.send({ type: 'chunk', kind: announcement.kind, id: announcement.id, offset, data });
    sent += data.length;
  }
  return sent;
}

export function sendWholeObject(
  framed: FramedStream,
  announcement: Announcement,
  bytes: Uint8Array,
): number {
  framed.send({ type: 'announce', announcement });
  return sendChunks(framed, announcement, bytes);
}
