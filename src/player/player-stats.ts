/** What the player reports about itself: shown in the stats panel and returned by `window.swarmcast.stats()`. */
export interface PlayerStats {
  stream: string;
  state: 'waiting' | 'loading' | 'playing' | 'stalled' | 'ended' | 'error';
  /** Seconds behind the live edge, as hls.js measures it. */
  liveLatency: number | null;
  /** Seconds from the wall-clock time of the frame on screen to now (EXT-X-PROGRAM-DATE-TIME). */
  wallClockLatency: number | null;
  bufferSeconds: number;
  currentTime: number;
  fragmentsLoaded: number;
  bytesLoaded: number;
  /** Media bytes by where they came from; `peers` stays 0 until the swarm loader arrives. */
  bytesFrom: { http: number; peers: number };
  stalls: number;
  stallSeconds: number;
  fatalErrors: string[];
  recoveredErrors: number;
}
