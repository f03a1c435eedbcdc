/**
 * The shape of `GET /api/stats`. A contract with the outside world (dashboards, tests, scripts):
 * fields are only ever added, never renamed.
 */

/** One swarm peer as the seeder last heard of it. Filled in by the live-tree issue. */
export interface PeerStats {
  id: string;
  kind: 'relay' | 'browser';
  parent: string;
  depth: number;
  rttMs: number;
  children: number;
  segmentsReceived: number;
  lastSequence: number | null;
  bytesFromPeers: number;
  bytesFromOrigin: number;
  bytesUploaded: number;
  /** Median ms from the origin signing a segment to this peer having verified it, per level of depth. */
  hopLatencyMs: number;
  /** Median ms from the origin signing a segment to this peer having verified it. */
  originLatencyMs: number;
  /** 95th percentile of the same, over its last 20 segments. */
  originLatencyP95Ms: number;
  maxChildren: number;
  /** First sequence this peer received (it is responsible for every one after). */
  firstSequence: number | null;
  /** Segments after `firstSequence` it could not get from anyone. */
  missedSegments: number;
}

export interface IngestStats {
  /** What feeds the encoder: `test`, `file` or `rtmp`; `none` for `swarmcast serve`. */
  source: 'test' | 'file' | 'rtmp' | 'none';
  /** `starting` until the first segment of a run, `live` after, `restarting` between runs, `ended` when a file without `--loop` is done. */
  state: 'starting' | 'live' | 'restarting' | 'ended' | 'stopped' | 'waiting';
  /** PID of the running ffmpeg, or null between runs. */
  pid: number | null;
  /** How many times ffmpeg was restarted after dying. */
  restarts: number;
}

export interface ApiStats {
  stream: string;
  segmentsPublished: number;
  lastSequence: number | null;
  /** Media bytes (init and media segments) the origin sent, by path. */
  originBytes: { http: number; swarm: number };
  /**
   * Media bytes peers received from other peers (never from the origin), summed from their
   * reports since the origin started, including peers that have since left.
   */
  peerBytes: number;
  /** peerBytes / (peerBytes + all origin bytes): the audience's share served by peers, 0..1. */
  p2pShare: number;
  /** Distinct players that fetched the playlist in the last 10 s. */
  viewers: number;
  peers: PeerStats[];
  /** The live tree below the origin: peers in it, and its deepest level. */
  tree: { size: number; depth: number; originChildren: number };
  ingest: IngestStats;
  uptimeSeconds: number;
}
