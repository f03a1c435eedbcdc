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
  /** Origin CPU per view entry for a join that rebuilds TreeView's snapshot; 0: free. */
  coordinatorUsPerEntry?: number;
  /**
   * What-if, not the real TreeView: offer 8 random peers from the two shallowest open levels
   * instead of the same top 8 to everyone, to show what the herding costs.
   */
  spreadOffers?: boolean;
  /** Check every cached coordinator answer against a direct TreeView call (slow). */
  verifyCoordinator?: boolean;
}

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
  /** The same, against the nearest free peer in the two shallowest levels (TreeView's pool). */
  shallowRttRatio: Summary;
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
  /** TreeView.candidates calls actually made (the rest were answered from the cache). */
  treeViewCalls: number;
  /** Cached answers that differed from TreeView (only counted with verifyCoordinator). */
  coordinatorMismatches: number;
  /** Mean wall-clock ms of one full TreeView.candidates call (machine-dependent). */
  candidatesMsPerCall: number;
  events: number;
}
