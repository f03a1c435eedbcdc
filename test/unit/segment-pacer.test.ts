import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SegmentPacer } from '../../src/seeder/segment-pacer.js';

describe('the segment pacer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Feeds `arrivals` ([ms after start, duration s]) and returns each segment's leaving time. */
  async function run(arrivals: [number, number][], leadMs = 500): Promise<number[]> {
    const pacer = new SegmentPacer({ leadMs });
    const start = Date.now();
    const left: number[] = [];
    for (const [at, duration] of arrivals) {
      await vi.advanceTimersByTimeAsync(start + at - Date.now());
      pacer.push(duration, () => left.push(Date.now() - start));
    }
    await vi.advanceTimersByTimeAsync(60_000);
    return left;
  }

  it("spreads a burst (a PTS wrap, a loop) over the segments' durations", async () => {
    // Five 1 s segments within a quarter of a second, then nothing for five seconds.
    const left = await run([
      [0, 1],
      [50, 1],
      [100, 1],
      [150, 1],
      [200, 1],
      [5_200, 1],
    ]);
    const gaps = left.slice(1).map((t, i) => t - left[i]!);
    expect(left[0]).toBe(0);
    expect(gaps.slice(0, 4)).toEqual([500, 1_000, 1_000, 1_000]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(500);
  });

  it('adds no delay to a steady stream with jitter under the lead', async () => {
    const arrivals: [number, number][] = Array.from({ length: 20 }, (_, i) => [
      i * 1_000 + (i % 3) * 150,
      1,
    ]);
    const left = await run(arrivals);
    expect(left).toEqual(arrivals.map(([at]) => at));
  });

  it('owes no burst after the encoder fell behind', async () => {
    // A 4 s hiccup, then ffmpeg catches up with three segments at once.
    const left = await run([
      [0, 1],
      [1_000, 1],
      [6_000, 1],
      [6_010, 1],
      [6_020, 1],
    ]);
    expect(left.slice(2)).toEqual([6_000, 6_500, 7_500]);
  });

  it('lets an init segment through in order, and tells when all has left', async () => {
    const pacer = new SegmentPacer({ leadMs: 0 });
    const order: string[] = [];
    pacer.push(1, () => order.push('seg 0'));
    pacer.push(1, () => order.push('seg 1'));
    pacer.push(0, () => order.push('init 1'));
    pacer.push(1, () => order.push('seg 2'));
    let idle = false;
    void pacer.idle().then(() => (idle = true));
    await vi.advanceTimersByTimeAsync(1_500);
    expect(order).toEqual(['seg 0', 'seg 1', 'init 1']);
    expect(idle).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(order.at(-1)).toBe('seg 2');
    expect(idle).toBe(true);
  });

  it('bounds the queue: past the limit the oldest leave at once', () => {
    const pacer = new SegmentPacer({ leadMs: 0, maxQueued: 3 });
    let left = 0;
    for (let i = 0; i < 10; i++) pacer.push(1, () => left++);
    expect(pacer.queued).toBeLessThanOrEqual(3);
    expect(left).toBe(7);
    pacer.stop();
    expect(pacer.queued).toBe(0);
  });
});
