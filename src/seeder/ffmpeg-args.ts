/**
 * Builds ffmpeg's command line for each source. Every source is transcoded to one fixed profile
 * (H.264 + AAC, constant frame rate, fixed size, a key frame at every segment boundary) so players
 * and the swarm see the same kind of stream whatever comes in. An audio-only file is broadcast
 * as audio-only HLS (AAC in fMP4), or with a still picture as its video (`--image`); an RTMP push
 * without video is broadcast as audio only.
 */
import { existsSync } from 'node:fs';
import type { EncodeProfile, SourceSpec } from './config.js';

export interface FfmpegArgsInput {
  source: SourceSpec;
  profile: EncodeProfile;
  /** Folder ffmpeg writes `index.m3u8`, `init.mp4` and `seg<N>.m4s` into. */
  outDir: string;
  /** Whether a file source has an audio track (a silent one is added if not). */
  hasAudio?: boolean;
  /** Whether a file source has a video track (without one: audio only, or `image` as video). */
  hasVideo?: boolean;
}

const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf',
  '/usr/share/fonts/TTF/DejaVuSansMono.ttf',
];

export function findFont(exists: (path: string) => boolean = existsSync): string | undefined {
  return FONT_CANDIDATES.find((font) => exists(font));
}

export function buildFfmpegArgs(input: FfmpegArgsInput, font = findFont()): string[] {
  const { source, profile } = input;
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  let audioMap: string;
  let videoMap: string | undefined = '0:v:0';
  let videoFilter = `scale=${profile.width}:${profile.height}:force_original_aspect_ratio=decrease,pad=${profile.width}:${profile.height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${profile.fps},format=yuv420p`;

  switch (source.kind) {
    case 'test': {
      const size = `${profile.width}x${profile.height}`;
      args.push('-re', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=${profile.fps}`);
      args.push('-f', 'lavfi', '-i', 'sine=frequency=440:beep_factor=4:sample_rate=48000');
      audioMap = '1:a:0';
      // testsrc already draws a running counter; the wall clock lets a person read latency.
      videoFilter = font
        ? `${clockOverlay(font, profile.height)},format=yuv420p`
        : 'format=yuv420p';
      break;
    }
    case 'file': {
      args.push('-re');
      if (source.loop) args.push('-stream_loop', '-1');
      args.push('-fflags', '+genpts', '-i', source.path);
      if (input.hasVideo === false) {
        audioMap = '0:a:0';
        videoMap = undefined;
        if (source.image) {
          // The picture, repeated at the output frame rate, for as long as the sound lasts.
          args.push('-re', '-loop', '1', '-framerate', String(profile.fps), '-i', source.image);
          videoMap = '1:v:0';
        }
      } else if (input.hasAudio === false) {
        args.push('-f', 'lavfi', '-i', 'anullsrc=channel_layout=stereo:sample_rate=48000');
        audioMap = '1:a:0';
      } else {
        audioMap = '0:a:0';
      }
      break;
    }
    case 'rtmp': {
      args.push('-listen', '1', '-i', `rtmp://127.0.0.1:${source.port}/live/${source.key}`);
      audioMap = '0:a:0?';
      // A push with sound only (a radio studio, a microphone) is broadcast as audio only.
      videoMap = '0:v:0?';
      break;
    }
  }

  if (videoMap) args.push('-map', videoMap);
  args.push('-map', audioMap);
  if (videoMap) pushVideoCodec(args, profile, videoFilter);
  args.push('-c:a', 'aac', '-b:a', `${profile.audioBitrateKbps}k`, '-ar', '48000', '-ac', '2');
  const stillPicture = source.kind === 'file' && input.hasVideo === false && source.image;
  if (source.kind === 'file' && (input.hasAudio === false || stillPicture)) args.push('-shortest');
  args.push(
    '-f',
    'hls',
    '-hls_time',
    String(profile.segmentSeconds),
    '-hls_segment_type',
    'fmp4',
    '-hls_fmp4_init_filename',
    'init.mp4',
    '-hls_list_size',
    '6',
    '-hls_flags',
    'independent_segments',
    '-hls_segment_filename',
    `${input.outDir}/seg%d.m4s`,
    `${input.outDir}/index.m3u8`,
  );
  return args;
}

function pushVideoCodec(args: string[], profile: EncodeProfile, videoFilter: string): void {
  const gop = Math.max(1, Math.round(profile.fps * profile.segmentSeconds));
  args.push('-vf', videoFilter);
  args.push(
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-profile:v',
    'main',
    '-g',
    String(gop),
    '-keyint_min',
    String(gop),
    '-sc_threshold',
    '0',
    // Constant bitrate, as live platforms expect: the stream costs what --video-bitrate says
    // whatever the picture, so capacity planning (and benchmarks) hold.
    '-x264-params',
    'nal-hrd=cbr',
    '-b:v',
    `${profile.videoBitrateKbps}k`,
    '-minrate',
    `${profile.videoBitrateKbps}k`,
    '-maxrate',
    `${profile.videoBitrateKbps}k`,
    '-bufsize',
    `${profile.videoBitrateKbps}k`,
  );
}

function clockOverlay(font: string, height: number): string {
  const size = Math.max(16, Math.round(height / 14));
  const escapedFont = font.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  return `drawtext=fontfile=${escapedFont}:text='%{localtime\\:%X}':fontsize=${size}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=6:x=(w-tw)/2:y=h-th-${size}`;
}
