/** What the tree simulation takes and what it reports. */

export interface TreeSimOptions {
  peers: number;
  minutes: number;
  /** Fraction of the peers that leave (and are replaced) per minute after the join window. */
  churn: number;
  seed: number;
  originMaxChildren?: number;
  /** Initial joins are spread over this window. */
  joinWindowMs?: number;
  /** Quiet time after the churn stops, before the final picture is taken. */
  settleMs?: number;
  /** Fraction of leavers that vanish without closing sockets (noticed only by timeouts). */
  silentLeaveFraction?: number;
  /** Also report on every parent or child change, as peer.ts does with reportSoon. */
  eagerReports?: boolean;
  /** Origin CPU per join request for TreeView.offer (the rest of the answer is COORDINATOR_FIXED_MS). */
  coordinatorUsPerJoin?: number;
  /**
   * A diagnosis, not a model: after each fit, replace part of a peer's coordinate by the truth
   * (its position and access delay), to see which coordinates' error costs the parent choice.
   * `all`; `joiners` (position, until first attached); `settled` (position, once attached);
   * `heights` (every height).
   */
  oracle?: Oracle;
}

export type Oracle = 'none' | 'all' | 'joiners' | 'settled' | 'heights';
export const ORACLES: readonly Oracle[] = ['none', 'all', 'joiners', 'settled', 'heights'];

export interface Summary {
  count: number;
  p50: number;
  p95: number;
  max: number;
}

export interface FinalPeer {
  id: string;
  parent: string | null;
  maxChildren: number;
  connected: boolean;
}

export type RejectReason = 'full' | 'loop' | 'refused' | 'dead';

export interface TreeSimResult {
  options: Required<TreeSimOptions>;
  originId: string;
  originMaxChildren: number;
  /** Live peers at the end (after settling), by their parent links. */
  final: FinalPeer[];
  originChildren: number;
  depthFinal: Summary;
  depthAtChurnEnd: Summary;
  maxDepthEver: number;
  joinMs: Summary;
  repairMs: Summary;
  outageMs: Summary;
  rttRatio: Summary;
  /** The same, against the nearest free peer within the coordinator's depth budget. */
  withinBudgetRttRatio: Summary;
  /** Each receiving peer's parent RTT against the nearest free peer's, at the end (after moves). */
  rttRatioFinal: Summary;
  /** Attached peers that moved to a clearly nearer parent (`nearerParent`), and moves refused. */
  moves: number;
  movesRefused: number;
  queriesPerJoin: Summary;
  peersEver: number;
  /** Share of all peers that ever joined whose stream was gone for over 2 s at least once. */
  orphanedOver2s: number;
  outagesOver2s: number;
  notReceivingAtChurnEnd: number;
  /** Largest number of live peers without the stream at a report tick. */
  peakNotReceiving: number;
  /** Live peers that lost the stream because one peer left (its whole subtree). */
  cutOffPerLeave: Summary;
  rejects: Record<RejectReason, number>;
  /** Join requests the origin answered (attach loops and backup refreshes). */
  coordinatorQueries: number;
  /** Backup refreshes started while attached (each one a join request). */
  refreshQueries: number;
  /** Joins the client gave up on because the origin's queue was over 10 s long. */
  coordinatorTimeouts: number;
  /** Longest wait in the origin's join queue. */
  maxCoordinatorQueueMs: number;
  peakQueriesPerSecond: number;
  /** TreeView.offer calls (every join request and refresh). */
  treeViewCalls: number;
  /** Mean wall-clock microseconds of one TreeView.offer call, as run here (machine-dependent). */
  offerUsPerCall: number;
  /** First joins that asked a second time, for the nearest, once placed by their first pings. */
  secondAsks: number;
  /** Depth the targets allow: ceil(log_k N) + 2, k the mean fan-out capacity. */
  depthBound: number;
  events: number;
}
