/**
 * Lets segments leave the origin at the wall-clock pace of their durations, whatever timing the
 * encoder's output has. ffmpeg's `-re` paces by the source's timestamps, so a 33-bit PTS wrap
 * (every 26.5 hours of MPEG-TS), a jump in either direction, or a looping file makes it emit
 * bursts of segments and then nothing. Players and peers want one segment per segment duration.
 *
 * A segment whose media starts at `m` seconds (the sum of the durations released before it)
 * may leave at `anchor + m - lead`. The anchor only moves later: whenever a segment leaves late
 * (the encoder fell behind), the lost time is not owed back as a burst. `lead` absorbs the
 * encoder's own jitter and the folder polling, so a steady stream gains no latency.
 */

export interface PacerOptions {
  /** How far ahead of the wall-clock pace a segment may leave, in ms. */
  leadMs?: number;
  /**
   * Beyond this many waiting segments the encoder is running far ahead of real time; the oldest
   * then leave at once, so memory stays bounded.
   */
  maxQueued?: number;
}

interface Pending {
  /** Seconds of media; 0 for a new encoder run's init segment. */
  duration: number;
  release: () => void;
}

export class SegmentPacer {
  private readonly queue: Pending[] = [];
  private readonly leadMs: number;
  private readonly maxQueued: number;
  /** Wall-clock ms at media time 0; undefined until the first segment. */
  private anchor: number | undefined;
  /** Seconds of media released so far. */
  private media = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(options: PacerOptions = {}) {
    this.leadMs = options.leadMs ?? 500;
    this.maxQueued = options.maxQueued ?? 120;
  }

  /** Queues `release` to run when a segment of `duration` seconds is due (0: at once, in order). */
  push(duration: number, release: () => void): void {
    if (this.stopped) return;
    this.queue.push({ duration, release });
    this.pump();
  }

  /** Segments waiting to leave. */
  get queued(): number {
    return this.queue.length;
  }

  /** Resolves once every queued segment has left. */
  idle(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops what is queued (the origin is shutting down). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
    this.settleIdle();
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (;;) {
      const next = this.queue[0];
      if (!next) break;
      const now = Date.now();
      this.anchor ??= now;
      const due = this.anchor + this.media * 1000 - this.leadMs;
      if (next.duration > 0 && due > now && this.queue.length <= this.maxQueued) {
        this.timer = setTimeout(() => this.pump(), due - now);
        return;
      }
      this.queue.shift();
      // Left late: the time lost is not owed back later as a burst.
      this.anchor = Math.max(this.anchor, now - this.media * 1000);
      this.media += next.duration;
      next.release();
    }
    this.settleIdle();
  }

  private settleIdle(): void {
    if (this.queue.length > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
