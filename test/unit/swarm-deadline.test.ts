import { describe, expect, it } from 'vitest';
import { RecentWorst, SwarmDeadline } from '../../src/player/swarm-deadline.js';

describe('SwarmDeadline', () => {
  it('does not wait with one segment buffered on a page whose fetches have slowed', () => {
    const deadline = new SwarmDeadline();
    deadline.noteHttpFetch(22);
    deadline.noteAppend(15);
    // The next fetch, made while the page joins the swarm, is much slower.
    deadline.noteHttpFetch(330);
    deadline.noteAppend(230);
    expect(deadline.waitMs({ bufferAheadSeconds: 1, playbackRate: 1 })).toBe(0);
    // With three seconds buffered there is time to wait, less two fallbacks and the margin.
    expect(deadline.waitMs({ bufferAheadSeconds: 3, playbackRate: 1 })).toBe(3000 - 2 * 560 - 300);
  });

  it('assumes a fallback costs something even after quick fetches', () => {
    const deadline = new SwarmDeadline();
    deadline.noteHttpFetch(5);
    deadline.noteAppend(5);
    expect(deadline.fallbackMs()).toBe(250);
    expect(deadline.waitMs({ bufferAheadSeconds: 1, playbackRate: 1 })).toBe(200);
  });

  it('counts the buffer at the playback rate while catching up', () => {
    const deadline = new SwarmDeadline();
    const normal = deadline.waitMs({ bufferAheadSeconds: 3, playbackRate: 1 });
    const fast = deadline.waitMs({ bufferAheadSeconds: 3, playbackRate: 1.1 });
    expect(normal - fast).toBeCloseTo(3000 - 3000 / 1.1, 6);
  });

  it('never waits with nothing buffered, and never more than four seconds', () => {
    const deadline = new SwarmDeadline();
    expect(deadline.waitMs({ bufferAheadSeconds: 0, playbackRate: 1 })).toBe(0);
    expect(deadline.waitMs({ bufferAheadSeconds: 30, playbackRate: 1 })).toBe(4000);
  });
});

describe('RecentWorst', () => {
  it('forgets a slow sample once newer ones have replaced it', () => {
    const worst = new RecentWorst(10, 3);
    worst.add(500);
    expect(worst.value).toBe(500);
    worst.add(20);
    worst.add(30);
    expect(worst.value).toBe(500);
    worst.add(40);
    expect(worst.value).toBe(40);
  });

  it('ignores samples that are not durations', () => {
    const worst = new RecentWorst(10);
    worst.add(Number.NaN);
    worst.add(-5);
    worst.add(Infinity);
    expect(worst.value).toBe(10);
  });
});
