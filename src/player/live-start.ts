/**
 * When a live playlist holds enough media to start on. hls.js starts `liveSyncDuration` behind the
 * live edge, or at the first segment when the playlist is shorter than that; a page that opens
 * on a broadcast's first two segments then plays a second behind the edge with a second of
 * buffer, and any late segment stalls it. Waiting until the window holds the sync distance plus
 * one segment costs a few seconds once, at the start of a broadcast, and never afterwards.
 */

export interface LiveStart {
  /** Seconds of media the playlist lists. */
  mediaSeconds: number;
  /** The playlist is complete (`#EXT-X-ENDLIST`): there is nothing to wait for. */
  ended: boolean;
  /**
   * The window has begun to slide (`#EXT-X-MEDIA-SEQUENCE` above 0): it is as full as the origin
   * makes it, however short that is (small segments in a 6-segment window).
   */
  sliding: boolean;
}

/** Sums a media playlist's `#EXTINF` durations (RFC 8216 §4.3.2.1); malformed lines count 0. */
export function readLiveStart(playlist: string): LiveStart {
  let mediaSeconds = 0;
  let ended = false;
  let sliding = false;
  for (const line of playlist.split('\n')) {
    if (line.startsWith('#EXTINF:')) {
      const seconds = Number.parseFloat(line.slice('#EXTINF:'.length));
      if (Number.isFinite(seconds) && seconds > 0) mediaSeconds += seconds;
    } else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) {
      sliding = Number.parseInt(line.slice('#EXT-X-MEDIA-SEQUENCE:'.length), 10) > 0;
    } else if (line.trim() === '#EXT-X-ENDLIST') ended = true;
  }
  return { mediaSeconds, ended, sliding };
}

/**
 * Whether to start playing now: enough media behind the edge, a window that is already full, a
 * finished playlist, or a wait long enough that something else is wrong.
 */
export function readyToStart(
  start: LiveStart,
  holdSeconds: number,
  waitedMs: number,
  maxWaitMs: number,
): boolean {
  return start.ended || start.sliding || start.mediaSeconds >= holdSeconds || waitedMs >= maxWaitMs;
}
