/** What the player reports about itself: shown in the stats panel and returned by `window.swarmcast.stats()`. */
export interface SwarmViewStats {
  /** False with `?p2p=0`, or while the peer has not joined yet. */
  joined: boolean;
  peerId: string | null;
  /** Parent peer id, `origin`, or null while detached. */
  parent: string | null;
  depth: number | null;
  rttMs: number | null;
  children: number;
  maxChildren: number;
  /** Open connections to other peers. */
  connections: number;
  /** Open connections that are direct WebRTC (browser to browser or to a relay). */
  webrtcConnections: number;
  /** How this page reaches its parent: `webrtc` (direct), `websockets`, or `relayed`. */
  parentTransport: 'webrtc' | 'websockets' | 'relayed' | null;
  /** Media bytes this page passed on to its children. */
  bytesUploaded: number;
}

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
  /**
   * Media bytes handed to hls.js, by where they came from: `http` from the origin's HTTP,
   * `origin` pushed or sent by the origin over the swarm, `peers` from other peers.
   */
  bytesFrom: { http: number; origin: number; peers: number };
  /** Share of media bytes that came from other peers (never the origin), 0..1. */
  p2pShare: number;
  /** The broadcast has sound and no picture: the page shows its name and a level meter. */
  audioOnly: boolean;
  /** The level meter's RMS reading, 0..1; null while it does not run (no audio-only, or muted). */
  audioLevel: number | null;
  stalls: number;
  stallSeconds: number;
  /** Longest single stall, in seconds. */
  longestStallSeconds: number;
  /** Milliseconds from page load to the first frame playing. */
  startupMs: number | null;
  /** Milliseconds from page load to this page's peer first attaching to the tree. */
  joinMs: number | null;
  /**
   * When the page started joining (ms after load): it waits for its first frame, so the
   * join itself took joinMs − joinStartedMs.
   */
  joinStartedMs: number | null;
  fatalErrors: string[];
  recoveredErrors: number;
  swarm: SwarmViewStats;
}
