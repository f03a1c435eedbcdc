/** The tree simulation's model: constants mirrored from the real code, and the network it assumes. */

// ---- Constants mirrored from the real code (tree-member.ts, peer.ts, swarm-origin.ts). ----

export const PING_TIMEOUT_MS = 5_000;
export const ATTACH_TIMEOUT_MS = 5_000;
export const SILENCE_MS = 5_000;
export const REPORT_INTERVAL_MS = 2_000;
export const ORIGIN_EXPIRY_MS = 2_000;
export const FIRST_RETRY_MS = 250;
/** TreeMember.measure gives the coordinator (and the pings) this long. */
export const JOIN_TIMEOUT_MS = 10_000;
export const MAX_RETRY_MS = 2_000;
/** TreeMember remembers a candidate that failed for this long. */
export const FAILED_MEMORY_MS = 3_000;
/** While attached, TreeMember re-measures its backups this often (±25 %). */
export const REFRESH_MS = 8_000;
/** TreeMember.attachFirst asks this many backups at once, and waits this long for nearer yeses. */
export const PARALLEL_ATTACHES = 7;
export const ACCEPT_GRACE_MS = 150;
/** TreeMember moves to a nearer parent at most once in this long. */
export const MOVE_COOLDOWN_MS = 20_000;

// ---- Network model assumptions (libp2p over TCP). ----

/** TCP + Noise + muxer negotiation before the first stream to a new peer. */
export const DIAL_RTTS = 3;
/** Opening a stream on an existing connection (protocol negotiation) plus one request/reply. */
export const REQUEST_RTTS = 2;
/** RTT from distance: 5 ms next door, about 200 ms across the map with both last miles. */
export const MIN_RTT_MS = 5;
export const DISTANCE_RTT_MS = 170;
/** Per-peer last-mile delay, so the nearest peer is not simply the closest dot. */
export const MAX_ACCESS_MS = 12.5;
/**
 * A parent notices a child that vanished without closing its sockets only when the send queue
 * overflows (4 MiB, about 16 s at 2 Mb/s): until then the slot stays taken.
 */
export const SILENT_CHILD_MS = 16_000;
/** Report phases are quantised to this; staleness still averages half the report interval. */
export const TICK_MS = 200;
export const ORPHAN_LIMIT_MS = 2_000;
/**
 * The origin answers joins one at a time on its event loop: a fixed cost for the stream, the
 * JSON and the reply, plus TreeView.offer itself (measured with bench/tree-cpu.ts: tens of
 * microseconds at 10,000 peers, flat in N since nothing walks every peer). Constants rather than
 * the measured time of each call, so a run is the same on every machine.
 */
export const COORDINATOR_FIXED_MS = 0.05;
export const DEFAULT_COORDINATOR_US_PER_JOIN = 50;

/** Upload capacity of viewers, as [maxChildren, weight]: a quarter can relay nothing. */
export const CAPACITIES: readonly (readonly [number, number])[] = [
  [0, 0.25],
  [1, 0.15],
  [2, 0.2],
  [3, 0.15],
  [4, 0.12],
  [6, 0.08],
  [8, 0.05],
];

export const MEAN_CAPACITY =
  CAPACITIES.reduce((sum, [slots, weight]) => sum + slots * weight, 0) /
  CAPACITIES.reduce((sum, [, weight]) => sum + weight, 0);
