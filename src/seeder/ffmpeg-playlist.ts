/**
 * Reads the playlist ffmpeg writes into its scratch folder. ffmpeg rewrites the file after each
 * segment is closed, so a segment listed there is complete. The file may be caught mid-write:
 * only whole lines count, and a half-written name never matches the strict segment pattern.
 */

export interface FfmpegSegmentEntry {
  /** ffmpeg's own counter from `seg<N>.m4s`. */
  index: number;
  file: string;
  duration: number;
}

export interface FfmpegPlaylist {
  initFile: string | undefined;
  segments: FfmpegSegmentEntry[];
  ended: boolean;
}

const SEGMENT_FILE = /^seg(\d{1,9})\.m4s$/;
const MAP_URI = /^#EXT-X-MAP:URI="([A-Za-z0-9._-]{1,64})"$/;

export function parseFfmpegPlaylist(text: string): FfmpegPlaylist {
  // Drop a trailing partial line: ffmpeg may still be writing it.
  const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  const lines = complete.split('\n').map((line) => line.trim());
  const result: FfmpegPlaylist = { initFile: undefined, segments: [], ended: false };
  let pendingDuration: number | undefined;
  for (const line of lines) {
    if (line.startsWith('#EXTINF:')) {
      const value = Number.parseFloat(line.slice('#EXTINF:'.length));
      pendingDuration = Number.isFinite(value) && value > 0 ? value : undefined;
    } else if (line.startsWith('#EXT-X-MAP:')) {
      result.initFile = MAP_URI.exec(line)?.[1];
    } else if (line === '#EXT-X-ENDLIST') {
      result.ended = true;
    } else if (!line.startsWith('#') && line.length > 0) {
      const match = SEGMENT_FILE.exec(line);
      if (match?.[1] && pendingDuration !== undefined) {
        result.segments.push({ index: Number(match[1]), file: line, duration: pendingDuration });
      }
      pendingDuration = undefined;
    }
  }
  return result;
}
