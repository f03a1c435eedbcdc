import { describe, expect, it } from 'vitest';
import { LivePublisher } from '../../src/seeder/live-publisher.js';
import { renderPlaylist } from '../../src/swarm/playlist.js';
import { generateKeyPair } from '../../src/seeder/stream-key.js';
import { verifyAnnouncement } from '../../src/swarm/announcement.js';
import { SegmentStore } from '../../src/swarm/segment-store.js';

const bytes = (n: number) => new Uint8Array(n).fill(n % 251);
const key = generateKeyPair();

function setup(retain: number) {
  const store = new SegmentStore(retain);
  return { store, publisher: new LivePublisher(store, 'main', key) };
}

function playlistOf(store: SegmentStore, count = 6): string {
  return renderPlaylist({
    segments: store.playlistWindow(count),
    targetDuration: 1,
    ended: store.ended,
  });
}

describe('segment store and live playlist', () => {
  it('keeps a bounded window and lists the newest segments with a rising media sequence', () => {
    const { store, publisher } = setup(10);
    publisher.beginRun(bytes(5));
    for (let i = 0; i < 100; i++) publisher.append(1, bytes(100 + i));
    expect(store.received).toBe(100);
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

  it('signs every segment and init it publishes', () => {
    const { store, publisher } = setup(10);
    publisher.beginRun(bytes(5));
    const segment = publisher.append(1, bytes(10));
    expect(segment.announcement && verifyAnnouncement(segment.announcement, key.publicKey)).toBe(
      true,
    );
    const init = store.init(0)!;
    expect(init.announcement && verifyAnnouncement(init.announcement, key.publicKey)).toBe(true);
    expect(verifyAnnouncement(segment.announcement!, generateKeyPair().publicKey)).toBe(false);
  });

  it('marks an encoder restart with a discontinuity and a new init segment', () => {
    const { store, publisher } = setup(10);
    publisher.beginRun(bytes(5));
    publisher.append(1, bytes(10));
    publisher.append(1, bytes(11));
    publisher.beginRun(bytes(6));
    publisher.append(1, bytes(12));
    const lines = playlistOf(store).trim().split('\n');
    const tags = lines.filter(
      (l) => l.endsWith('.m4s') || l.startsWith('#EXT-X-DISC') || l.startsWith('#EXT-X-MAP'),
    );
    expect(tags).toEqual([
      '#EXT-X-DISCONTINUITY-SEQUENCE:0',
      '#EXT-X-MAP:URI="init-0.mp4"',
      '0.m4s',
      '1.m4s',
      '#EXT-X-DISCONTINUITY',
      '#EXT-X-MAP:URI="init-1.mp4"',
      '2.m4s',
    ]);
    expect(store.init(1)?.bytes.length).toBe(6);
  });

  it('counts discontinuities that slid out of the window', () => {
    const { store, publisher } = setup(3);
    publisher.beginRun(bytes(5));
    publisher.append(1, bytes(10));
    publisher.beginRun(bytes(6));
    publisher.append(1, bytes(11)); // discontinuity on sequence 1
    publisher.append(1, bytes(12));
    publisher.append(1, bytes(13));
    publisher.append(1, bytes(14)); // window is now 2..4
    expect(playlistOf(store, 3)).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:1\n');
    expect(store.init(0)).toBeUndefined(); // the first run's init is no longer referenced
  });

  it('ends the playlist before a hole, so players never skip a segment still being fetched', () => {
    const { store, publisher } = setup(30);
    publisher.beginRun(bytes(5));
    const all = Array.from({ length: 10 }, (_, i) => publisher.append(1, bytes(20 + i)));
    const edge = new SegmentStore(30);
    edge.putInit(store.init(0)!);
    for (const segment of all) if (segment.sequence !== 8) edge.put(segment);
    // 9 sits alone after the hole at 8: the playlist ends at 7 until 8 arrives.
    expect(edge.playlistWindow(6).map((s) => s.sequence)).toEqual([2, 3, 4, 5, 6, 7]);
    edge.put(all[8]!);
    expect(edge.playlistWindow(6).map((s) => s.sequence)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('ends the playlist when the source finishes', () => {
    const { store, publisher } = setup(3);
    publisher.beginRun(bytes(5));
    publisher.append(2, bytes(10));
    store.end();
    const text = playlistOf(store);
    expect(text.trim().endsWith('#EXT-X-ENDLIST')).toBe(true);
    expect(text).toContain('#EXT-X-TARGETDURATION:2');
  });

  it('refuses a segment before any init', () => {
    expect(() => setup(3).publisher.append(1, bytes(1))).toThrow(/beginRun/);
  });
});
