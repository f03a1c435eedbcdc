/** Renders the live media playlist (RFC 8216) from a segment window: the origin's, and a joined page's own. Pure. */
import type { LiveSegment } from './segment-store.js';

export interface PlaylistInput {
  segments: readonly LiveSegment[];
  targetDuration: number;
  ended: boolean;
}

export function renderPlaylist(input: PlaylistInput): string {
  const first = input.segments[0];
  const target = Math.max(
    Math.ceil(input.targetDuration),
    ...input.segments.map((segment) => Math.round(segment.duration)),
  );
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    `#EXT-X-MEDIA-SEQUENCE:${first?.sequence ?? 0}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${first ? first.discontinuitySequence - (first.discontinuity ? 1 : 0) : 0}`,
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  let initId: number | undefined;
  for (const segment of input.segments) {
    if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (segment.initId !== initId) {
      lines.push(`#EXT-X-MAP:URI="${initUri(segment.initId)}"`);
      initId = segment.initId;
    }
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(segment.startedAt).toISOString()}`);
    lines.push(`#EXTINF:${segment.duration.toFixed(3)},`);
    lines.push(segmentUri(segment.sequence));
  }
  if (input.ended) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

export const initUri = (id: number): string => `init-${id}.mp4`;
export const segmentUri = (sequence: number): string => `${sequence}.m4s`;
