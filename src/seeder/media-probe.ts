/**
 * Asks ffmpeg what a media file holds. The npm-shipped ffmpeg comes without ffprobe, so this
 * reads the stream summary `ffmpeg -i <file>` prints before it complains about a missing output.
 */
import { spawn } from 'node:child_process';
import { UsageError } from '../errors.js';

export interface MediaInfo {
  hasVideo: boolean;
  hasAudio: boolean;
  /** A picture attached to the sound (an album cover): not a video track, but worth showing. */
  coverArt: boolean;
}

export function parseMediaSummary(stderr: string): MediaInfo {
  const streams = stderr.split('\n').filter((line) => /^\s*Stream #\d+:\d+/.test(line));
  return {
    hasVideo: streams.some((line) => /: Video: /.test(line) && !/attached pic/.test(line)),
    hasAudio: streams.some((line) => /: Audio: /.test(line)),
    coverArt: streams.some((line) => /: Video: /.test(line) && /attached pic/.test(line)),
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
  if (!info.hasVideo && !info.hasAudio) {
    throw new UsageError(`${file}: not a media file with an audio or video track ffmpeg can read`);
  }
  return info;
}

/**
 * Whether `file` is a picture ffmpeg can decode: a video stream whose first frame decodes. The
 * stream summary alone is not enough, since the image demuxers go by the file's extension.
 */
export async function isPicture(
  ffmpeg: string,
  file: string,
  signal = AbortSignal.timeout(15_000),
): Promise<boolean> {
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-i', file];
  const decoded = await new Promise<boolean>((resolve) => {
    const child = spawn(ffmpeg, [...args, '-map', '0:v:0', '-frames:v', '1', '-f', 'null', '-'], {
      stdio: 'ignore',
      signal,
    });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
  return decoded;
}

/** Writes a file's cover art to `out` as a picture; false when it cannot. */
export async function extractCoverArt(
  ffmpeg: string,
  file: string,
  out: string,
  signal = AbortSignal.timeout(15_000),
): Promise<boolean> {
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-map', '0:v:0'];
  return new Promise<boolean>((resolve) => {
    const child = spawn(ffmpeg, [...args, '-frames:v', '1', '-y', out], {
      stdio: 'ignore',
      signal,
    });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}
