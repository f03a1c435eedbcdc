/**
 * Builds ffmpeg's command line for each source. Every source is transcoded to one fixed profile
 * (H.264 + AAC, constant frame rate, fixed size, a key frame at every segment boundary) so players
 * and the swarm see the same kind of stream whatever comes in.
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
      if (input.hasAudio === false) {
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
      break;
    }
  }

  const gop = Math.max(1, Math.round(profile.fps * profile.segmentSeconds));
  args.push('-map', '0:v:0', '-map', audioMap);
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
  args.push('-c:a', 'aac', '-b:a', `${profile.audioBitrateKbps}k`, '-ar', '48000', '-ac', '2');
  if (source.kind === 'file' && input.hasAudio === false) args.push('-shortest');
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

function clockOverlay(font: string, height: number): string {
  const size = Math.max(16, Math.round(height / 14));
  const escapedFont = font.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  return `drawtext=fontfile=${escapedFont}:text='%{localtime\\:%X}':fontsize=${size}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=6:x=(w-tw)/2:y=h-th-${size}`;
}
