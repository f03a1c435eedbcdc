import { describe, expect, it } from 'vitest';
import { renderPlaylist } from '../../src/seeder/playlist.js';
import { SegmentStore } from '../../src/seeder/segment-store.js';

const bytes = (n: number) => new Uint8Array(n).fill(n % 251);

function playlistOf(store: SegmentStore, count = 6): string {
  const segments = store.latest(count);
  return renderPlaylist({
    segments,
    discontinuitySequence: store.discontinuitiesBefore(segments[0]?.sequence ?? 0),
    targetDuration: 1,
    ended: store.ended,
  });
}

describe('segment store and live playlist', () => {
  it('keeps a bounded window and lists the newest segments with a rising media sequence', () => {
    const store = new SegmentStore(10);
    store.beginRun(bytes(5));
    for (let i = 0; i < 100; i++) store.append(1, bytes(100 + i));
    expect(store.published).toBe(100);
    expect(store.get(89)).toBeUndefined();
    expect(store.get(90)?.bytes.length).toBe(190);
    expect(store.get(99)?.sequence).toBe(99);
    expect(store.get(100)).toBeUndefined();
    const text = playlistOf(store);
    expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:94\n');
    expect(text.match(/^\d+\.m4s$/gm)).toEqual(
      ['94', '95', '96', '97', '98', '99'].map((s) => `${s}.m4s`),
    );
    expect(text).toContain('#EXT-X-MAP:URI="init-0.mp4"');
    expect(text).not.toContain('#EXT-X-DISCONTINUITY\n');
    expect(text).not.toContain('#EXT-X-ENDLIST');
  });

  it('marks an encoder restart with a discontinuity and a new init segment', () => {
    const store = new SegmentStore(10);
    store.beginRun(bytes(5));
    store.append(1, bytes(10));
    store.append(1, bytes(11));
    store.beginRun(bytes(6));
    store.append(1, bytes(12));
    const text = playlistOf(store);
    const lines = text.trim().split('\n');
    const uriLines = lines.filter(
      (l) => l.endsWith('.m4s') || l.startsWith('#EXT-X-DISC') || l.startsWith('#EXT-X-MAP'),
    );
    expect(uriLines).toEqual([
      '#EXT-X-DISCONTINUITY-SEQUENCE:0',
      '#EXT-X-MAP:URI="init-0.mp4"',
      '0.m4s',
      '1.m4s',
      '#EXT-X-DISCONTINUITY',
      '#EXT-X-MAP:URI="init-1.mp4"',
      '2.m4s',
    ]);
    expect(store.init(1)?.length).toBe(6);
  });

  it('counts discontinuities that slid out of the window', () => {
    const store = new SegmentStore(3);
    store.beginRun(bytes(5));
    store.append(1, bytes(10));
    store.beginRun(bytes(6));
    store.append(1, bytes(11)); // discontinuity on sequence 1
    store.append(1, bytes(12));
    store.append(1, bytes(13));
    store.append(1, bytes(14)); // window is now 2..4
    expect(playlistOf(store, 3)).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:1\n');
    expect(store.init(0)).toBeUndefined(); // the first run's init is no longer referenced
  });

  it('ends the playlist when the source finishes', () => {
    const store = new SegmentStore(3);
    store.beginRun(bytes(5));
    store.append(2, bytes(10));
    store.end();
    const text = playlistOf(store);
    expect(text.trim().endsWith('#EXT-X-ENDLIST')).toBe(true);
    expect(text).toContain('#EXT-X-TARGETDURATION:2');
  });

  it('refuses a segment before any init', () => {
    expect(() => new SegmentStore(3).append(1, bytes(1))).toThrow(/beginRun/);
  });
});
