import { describe, expect, it } from 'vitest';
import { readLiveStart, readyToStart } from '../../src/player/live-start.js';
import { renderPlaylist } from '../../src/swarm/playlist.js';
import type { LiveSegment } from '../../src/swarm/segment-store.js';

const segment = (sequence: number, duration = 1): LiveSegment => ({
  sequence,
  duration,
  bytes: new Uint8Array(0),
  initId: 0,
  startedAt: 1_700_000_000_000 + sequence * 1000,
  discontinuity: false,
  discontinuitySequence: 0,
});

function playlist(count: number, ended = false, duration = 1, first = 0): string {
  const segments = Array.from({ length: count }, (_, i) => segment(first + i, duration));
  return renderPlaylist({ segments, targetDuration: 1, ended });
}

describe('live start', () => {
  it('sums the media a playlist lists', () => {
    expect(readLiveStart(playlist(2))).toEqual({ mediaSeconds: 2, ended: false, sliding: false });
    expect(readLiveStart(playlist(3, true, 1.5))).toEqual({
      mediaSeconds: 4.5,
      ended: true,
      sliding: false,
    });
  });

  it('waits on a broadcast that has only just started, not on one under way or finished', () => {
    expect(readyToStart(readLiveStart(playlist(2)), 4.5, 0, 8_000)).toBe(false);
    expect(readyToStart(readLiveStart(playlist(4)), 4.5, 0, 8_000)).toBe(false);
    expect(readyToStart(readLiveStart(playlist(5)), 4.5, 0, 8_000)).toBe(true);
    expect(readyToStart(readLiveStart(playlist(1, true)), 4.5, 0, 8_000)).toBe(true);
    // Two 4 s segments already hold more than the sync distance.
    expect(readyToStart(readLiveStart(playlist(2, false, 4)), 4.5, 0, 8_000)).toBe(true);
  });

  it('never waits for ever on a window that stays short', () => {
    // Half-second segments in a six-segment window: 3 s, full once it slides.
    expect(readyToStart(readLiveStart(playlist(6, false, 0.5, 40)), 4.5, 0, 8_000)).toBe(true);
    expect(readyToStart(readLiveStart(playlist(2)), 4.5, 8_000, 8_000)).toBe(true);
  });

  it('counts nothing from malformed or hostile durations', () => {
    const text = '#EXTM3U\n#EXTINF:abc,\na.m4s\n#EXTINF:-5,\nb.m4s\n#EXTINF:NaN,\n#EXTINF:1e400,\n';
    expect(readLiveStart(text)).toEqual({ mediaSeconds: 0, ended: false, sliding: false });
    expect(readLiveStart('')).toEqual({ mediaSeconds: 0, ended: false, sliding: false });
  });
});
