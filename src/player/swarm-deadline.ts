/**
 * How long the player may wait for a segment from the swarm before it must fall back to HTTP.
 *
 * The wait is what the buffer can spare once a fallback is paid for: an HTTP fetch and the time
 * hls.js then needs to put the segment into the buffer. Both are taken at their recent worst,
 * because they grow exactly when waiting is risky: a page that is joining the swarm (a WebRTC
 * handshake per candidate) is starved of CPU, and one measured 22 ms fetch turned into 330 ms
 * fetches and 230 ms appends a second later. The buffer drains faster than real time while the
 * player catches up with the live edge, so it is counted at the playback rate.
 */

/** The largest of the last few samples, never below a floor. */
export class RecentWorst {
  private readonly samples: number[] = [];

  constructor(
    private readonly floor: number,
    private readonly keep = 4,
  ) {}

  add(sample: number): void {
    if (!Number.isFinite(sample) || sample < 0) return;
    this.samples.push(sample);
    if (this.samples.length > this.keep) this.samples.shift();
  }

  get value(): number {
    return Math.max(this.floor, ...this.samples);
  }
}

export interface BufferState {
  /** Seconds of media buffered ahead of the playhead. */
  bufferAheadSeconds: number;
  /** The media element's playback rate (above 1 while catching up with the live edge). */
  playbackRate: number;
}

/** Fallbacks are assumed to take at least this long, even after a quick first fetch. */
const MIN_FETCH_MS = 150;
const MIN_APPEND_MS = 100;
/** Slack for timers that fire late on a busy page. */
const MARGIN_MS = 300;
const MAX_WAIT_MS = 4_000;

export class SwarmDeadline {
  private readonly fetchMs = new RecentWorst(MIN_FETCH_MS);
  private readonly appendMs = new RecentWorst(MIN_APPEND_MS);

  /** A segment took `elapsedMs` to fetch over HTTP. */
  noteHttpFetch(elapsedMs: number): void {
    this.fetchMs.add(elapsedMs);
  }

  /** A segment (from anywhere) took `elapsedMs` from loaded to buffered. */
  noteAppend(elapsedMs: number): void {
    this.appendMs.add(elapsedMs);
  }

  /** What falling back to HTTP now would cost, in ms, until the segment is playable. */
  fallbackMs(): number {
    return this.fetchMs.value + this.appendMs.value;
  }

  /** How long a segment may be waited for; 0 means fetch it over HTTP now. */
  waitMs(state: BufferState): number {
    const rate = Math.max(1, state.playbackRate || 1);
    const playableMs = (state.bufferAheadSeconds * 1000) / rate;
    // Twice the fallback: a fetch that starts late on a starved page also finishes late.
    const wait = playableMs - 2 * this.fallbackMs() - MARGIN_MS;
    return Math.max(0, Math.min(MAX_WAIT_MS, wait));
  }
}
