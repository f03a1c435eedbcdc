/**
 * Whether the swarm keeps up with the broadcast, judged by its newest segment. A joined page
 * renders its playlist from what its peer holds; while the swarm is late that playlist would hold
 * hls.js at the swarm's pace until the buffer ran dry, so the page asks the origin instead and
 * fetches what the swarm has not delivered over HTTP.
 */
export class SwarmFreshness {
  private newest = -1;
  private durationMs = 0;
  private arrivedAt = -Infinity;

  /** `lateAfterMs`: how long past its duration the newest segment may age, in ms. */
  constructor(private readonly lateAfterMs: number) {}

  /**
   * A segment arrived at `now` (ms, a monotonic clock). Only a newer one counts: backfilled and
   * fetched segments are old on purpose and say nothing about the live edge.
   */
  noteSegment(sequence: number, durationSeconds: number, now: number): void {
    if (sequence <= this.newest) return;
    this.newest = sequence;
    this.durationMs = durationSeconds * 1000;
    this.arrivedAt = now;
  }

  /** True before any segment, or once the newest is older than its duration plus the slack. */
  isLate(now: number): boolean {
    return now - this.arrivedAt > this.durationMs + this.lateAfterMs;
  }
}
