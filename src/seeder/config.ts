/** Broadcast settings and their defaults, in one place. */

export type SourceSpec =
  | { kind: 'test' }
  /** `image`: a still picture as the video of an audio-only file (`--image`). */
  | { kind: 'file'; path: string; loop: boolean; image?: string }
  | { kind: 'rtmp'; port: number; key: string };

/** What the seeder serves live: an encoded source, or nothing (`swarmcast serve`: channels only). */
export type SeederSource = SourceSpec | { kind: 'none' };

export interface EncodeProfile {
  /** Output picture size; sources of other sizes are scaled and padded to it. @default 1280x720 */
  width: number;
  height: number;
  /** Constant output frame rate; variable-rate sources are resampled to it. @default 30 */
  fps: number;
  /** H.264 target bitrate in kb/s. @default 2000 */
  videoBitrateKbps: number;
  /** AAC bitrate in kb/s. @default 128 */
  audioBitrateKbps: number;
  /** HLS segment duration in seconds; every segment starts with a key frame. @default 1 */
  segmentSeconds: number;
}

export interface BroadcastConfig {
  source: SeederSource;
  profile: EncodeProfile;
  /** HTTP port; 0 picks a free one. @default 8080 */
  port: number;
  /** Address to listen on. @default '0.0.0.0' */
  host: string;
  /** Stream name, served at `/live/<stream>/index.m3u8`. @default 'main' */
  stream: string;
  /** Where the seeder keeps keys, tokens and ffmpeg's scratch output. @default '.swarmcast' */
  dataDir: string;
  /** Explicit ffmpeg binary; otherwise FFMPEG_PATH, an ffmpeg 5+ on PATH, the npm-shipped one. */
  ffmpeg?: string | undefined;
  /** Stream key file; otherwise one is created in the data dir. */
  keyFile?: string | undefined;
  /** Children the origin feeds directly (its upload slots). @default 4 */
  maxChildren: number;
  /** libp2p TCP port; 0 picks a free one. @default 0 */
  swarmPort: number;
  /** Segments listed in the live playlist. @default 6 */
  playlistSegments: number;
  /** Segments kept in memory (served to late or slow fetchers); bounds memory. @default 30 */
  retainSegments: number;
  /** UDP port of the seeder's BitTorrent DHT node; 0 picks one. @default 0 */
  dhtPort: number;
  /** Largest release file the seeder accepts, in bytes. @default 4 GiB */
  maxUploadBytes: number;
  /**
   * Bytes per second the seeder uploads to BitTorrent peers at most. Unlimited, every subscriber
   * fetches from the origin at once; capped, subscribers fetch from each other. @default 2 MB/s
   */
  bulkUploadLimit: number;
  verbose: boolean;
}

export const DEFAULT_PROFILE: EncodeProfile = {
  width: 1280,
  height: 720,
  fps: 30,
  videoBitrateKbps: 2000,
  audioBitrateKbps: 128,
  segmentSeconds: 1,
};

export const DEFAULT_RTMP_PORT = 1935;

export const DEFAULTS = {
  port: 8080,
  host: '0.0.0.0',
  stream: 'main',
  dataDir: '.swarmcast',
  playlistSegments: 6,
  retainSegments: 30,
  maxChildren: 4,
  swarmPort: 0,
  dhtPort: 0,
  maxUploadBytes: 4 * 1024 ** 3,
  bulkUploadLimit: 2_000_000,
} as const;

/** Stream names appear in URLs and paths: keep them to a safe alphabet. */
export const STREAM_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
