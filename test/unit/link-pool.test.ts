/** The pool of links opened to measure candidates: reuse for the attach, close when unused. */
import { describe, expect, it, vi } from 'vitest';
import type { ByteStream } from '../../src/swarm/byte-stream.js';
import { LinkPool, type Link } from '../../src/swarm/rtc/link-pool.js';

function fakeLink(rttMs = 5): Link & { aborted: () => boolean } {
  let aborted = false;
  const stream = {
    abort: () => (aborted = true),
  } as unknown as ByteStream;
  return { stream, rttMs, aborted: () => aborted };
}

describe('LinkPool', () => {
  it('dials once per peer, and the attach takes the measured link', async () => {
    const link = fakeLink();
    const dial = vi.fn(() => Promise.resolve(link));
    const pool = new LinkPool(dial, 1_000);
    const signal = new AbortController().signal;
    await Promise.all([pool.open('a', signal), pool.open('a', signal)]);
    expect(dial).toHaveBeenCalledTimes(1);
    expect(await pool.take('a', signal)).toBe(link);
    expect(dial).toHaveBeenCalledTimes(1);
    // Taken: the pool no longer closes it, and the next take dials anew.
    await pool.take('a', signal);
    expect(dial).toHaveBeenCalledTimes(2);
    expect(link.aborted()).toBe(false);
  });

  it('closes a link nobody took once it has been idle', async () => {
    vi.useFakeTimers();
    try {
      const link = fakeLink();
      const pool = new LinkPool(() => Promise.resolve(link), 4_000);
      await pool.open('a', new AbortController().signal);
      await vi.advanceTimersByTimeAsync(3_999);
      expect(link.aborted()).toBe(false);
      await vi.advanceTimersByTimeAsync(2);
      expect(link.aborted()).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('forgets a failed dial so the next try dials again, and closes everything on close', async () => {
    const link = fakeLink();
    const dial = vi
      .fn<(peerId: string) => Promise<Link>>()
      .mockRejectedValueOnce(new Error('refused'))
      .mockResolvedValue(link);
    const pool = new LinkPool(dial, 10_000);
    const signal = new AbortController().signal;
    await expect(pool.open('a', signal)).rejects.toThrow('refused');
    await pool.open('a', signal);
    expect(dial).toHaveBeenCalledTimes(2);
    pool.close();
    await Promise.resolve();
    expect(link.aborted()).toBe(true);
  });
});
