import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFfmpegPlaylist } from '../../src/seeder/ffmpeg-playlist.js';
import { parseMediaSummary } from '../../src/seeder/media-probe.js';

const full = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:1
#EXT-X-MEDIA-SEQUENCE:3
#EXT-X-MAP:URI="init.mp4"
#EXTINF:1.000000,
seg3.m4s
#EXTINF:0.966667,
seg4.m4s
`;

describe("reading ffmpeg's playlist", () => {
  it('lists complete segments with their durations and the init file', () => {
    const parsed = parseFfmpegPlaylist(full);
    expect(parsed.initFile).toBe('init.mp4');
    expect(parsed.segments).toEqual([
      { index: 3, file: 'seg3.m4s', duration: 1 },
      { index: 4, file: 'seg4.m4s', duration: 0.966667 },
    ]);
    expect(parsed.ended).toBe(false);
  });

  it('ignores a half-written last line', () => {
    const cut = full.slice(0, full.length - 4); // "seg4.m" without newline
    expect(parseFfmpegPlaylist(cut).segments.map((s) => s.index)).toEqual([3]);
    const cutAtNewline = full.slice(0, full.lastIndexOf('seg4')); // EXTINF without its URI
    expect(parseFfmpegPlaylist(cutAtNewline).segments.map((s) => s.index)).toEqual([3]);
  });

  it('never throws and only yields well-formed names on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (text) => {
        const parsed = parseFfmpegPlaylist(text);
        for (const segment of parsed.segments) {
          expect(segment.file).toMatch(/^seg\d+\.m4s$/);
          expect(segment.duration).toBeGreaterThan(0);
        }
      }),
    );
  });
});

describe('reading ffmpeg -i output', () => {
  it('tells video and audio tracks apart', () => {
    const text = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'a.mp4':
    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 320x240, 25 fps
    Stream #0:1(und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo`;
    expect(parseMediaSummary(text)).toEqual({ hasVideo: true, hasAudio: true, coverArt: false });
    expect(parseMediaSummary(text.split('\n').slice(0, 2).join('\n'))).toEqual({
      hasVideo: true,
      hasAudio: false,
      coverArt: false,
    });
    expect(parseMediaSummary('x.txt: Invalid data found when processing input')).toEqual({
      hasVideo: false,
      hasAudio: false,
      coverArt: false,
    });
  });

  it('does not take cover art for a video track, but notes it', () => {
    const text = `    Stream #0:0: Audio: mp3, 44100 Hz, stereo
    Stream #0:1: Video: mjpeg, yuvj420p, 600x600, 90k tbr (attached pic)`;
    expect(parseMediaSummary(text)).toEqual({ hasVideo: false, hasAudio: true, coverArt: true });
  });
});
