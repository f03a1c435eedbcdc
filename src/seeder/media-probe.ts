/**
 * Asks ffmpeg what a media file holds. The npm-shipped ffmpeg comes without ffprobe, so this
 * reads the stream summary `ffmpeg -i <file>` prints before it complains about a missing output.
 */
import { spawn } from 'node:child_process';
import { UsageError } from '../errors.js';

export interface MediaInfo {
  hasVideo: boolean;
  hasAudio: boolean;
}

export function parseMediaSummary(stderr: string): MediaInfo {
  const streams = stderr.split('\n').filter((line) => /^\s*Stream #\d+:\d+/.test(line));
  return {
    hasVideo: streams.some((line) => /: Video: /.test(line) && !/attached pic/.test(line)),
    hasAudio: streams.some((line) => /: Audio: /.test(line)),
  };
}

export async function probeMedia(
  ffmpeg: string,
  file: string,
  signal = AbortSignal.timeout(15_000),
): Promise<MediaInfo> {
  const stderr = await new Promise<string>((resolve, reject) => {
    const child = spawn(ffmpeg, ['-hide_banner', '-nostdin', '-i', file], {
      stdio: ['ignore', 'ignore', 'pipe'],
      signal,
    });
    let text = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (text.length < 256 * 1024) text += chunk;
    });
    child.on('error', reject);
    child.on('close', () => resolve(text));
  });
  const info = parseMediaSummary(stderr);
  if (!info.hasVideo) {
    throw new UsageError(`${file}: not a media file with a video track that ffmpeg can read`);
  }
  return info;
}
