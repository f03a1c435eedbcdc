/**
 * Choosing a parent: the nearest good candidate. "Nearest" is measured round-trip time; each level
 * of depth costs a fixed penalty, since every hop adds delay and a point of failure. Pure.
 */
import type { CandidateInfo } from './messages.js';

/**
 * What one extra level of depth is worth, in milliseconds of round-trip time: a tie-breaker.
 * The coordinator's depth budget (TreeView.depthBudget) is what keeps the tree shallow, so a
 * joiner can take the nearest slot within it; at 30 ms a level, joiners passed over near peers
 * one level down for far ones above (parent RTT 1.8 times the nearest free peer's in
 * `bench:tree:sim`).
 */
export const DEPTH_PENALTY_MS = 1;

/** Candidates per offer: what a joiner or a refresh measures. */
export const OFFER_LIMIT = 8;
/**
 * Candidates in a spread, for a joiner with no coordinate yet: it places itself from their
 * answers, and the nearer of twelve random peers answer sooner and place it better than six
 * (in `bench:tree:sim` at 1,000 peers the error of its first predictions fell from 73 % to 52 %).
 * That first fit is what costs a joiner's choice at scale (see the README's tree figures). Twenty
 * placed it better (parent RTT 1.48, 1.45, 1.54 times the nearest free peer's at 3,000 peers,
 * seeds 1 to 3, against 1.65, 1.59, 1.65), but at 10,000 peers the tree at the end of the churn
 * reached depth 16 and 18 (seeds 1, 2) against a bound of 13, so it stays at twelve.
 */
export const SPREAD_LIMIT = 12;
/**
 * Far peers a refresh also measures. A peer that only ever measures its nearest fits its
 * coordinate to one side of it, and a region of the map can fold over onto another; a few random
 * peers in every round keep the frame whole (Dabek et al., Vivaldi, SIGCOMM 2004, section 5.2: a
 * mix of close and far neighbours). In `bench:tree:sim` at 1,000 peers they cut the median
 * position error of the coordinates from 19 ms to 4 ms.
 */
export const EXPLORE_PEERS = 2;

export interface MeasuredCandidate extends CandidateInfo {
  rttMs: number;
}

export function rankCandidates(measured: MeasuredCandidate[]): MeasuredCandidate[] {
  return measured
    .filter((candidate) => candidate.freeSlots > 0 && Number.isFinite(candidate.rttMs))
    .sort((a, b) => score(a) - score(b) || b.freeSlots - a.freeSlots);
}

/**
 * Below this, round trips are all "next door" (one host, one LAN): their differences are timer
 * and scheduling noise, worth no extra level, so such candidates are ranked by depth.
 */
export const LOCAL_RTT_MS = 5;

export const score = (candidate: MeasuredCandidate): number =>
  Math.max(candidate.rttMs, LOCAL_RTT_MS) + DEPTH_PENALTY_MS * candidate.depth;

/**
 * Moving an attached peer costs a handshake and shifts its whole subtree, so it moves only for
 * a clear gain of at least this many milliseconds. Each move lowers what is measured by that
 * margin, so jitter smaller than it cannot make peers flap between parents.
 */
export const MOVE_MIN_GAIN_MS = 20;

/**
 * What a move is weighed by. `score`: the join's own measure (RTT plus depth), for answers that
 * came in after a join or repair was decided: the candidate that would have won wins now.
 * `rtt`: RTT alone, for the periodic re-evaluation while attached; climbing for depth there
 * takes the shallow free slots that repairs need (in `bench:tree:sim` at 1,000 peers it made
 * outages over 2 s 30 times as common).
 */
export type MoveMeasure = 'score' | 'rtt';

/**
 * A candidate clearly better than the current parent, at no greater depth; or undefined.
 * `parent.depth` is the parent's own depth (the origin's is 0); `ranked` as from
 * `rankCandidates`. The periodic re-evaluation of a parent that overlay multicast trees do
 * (Overcast, NICE); the offers it picks from are still the origin's, which keeps leaves low.
 */
export function nearerParent(
  parent: { rttMs: number; depth: number },
  ranked: MeasuredCandidate[],
  by: MoveMeasure,
  depthBudget = Infinity,
): MeasuredCandidate | undefined {
  // Deeper than the coordinator's budget (a subtree that re-attached low, or a chain grown
  // under it): climb to the best candidate within it, whatever the RTT.
  if (parent.depth + 1 > depthBudget) {
    const climb = ranked.find((candidate) => candidate.depth + 1 <= depthBudget);
    if (climb) return climb;
  }
  const current =
    by === 'score'
      ? Math.max(parent.rttMs, LOCAL_RTT_MS) + DEPTH_PENALTY_MS * parent.depth
      : parent.rttMs;
  const measure = by === 'score' ? score : (candidate: MeasuredCandidate) => candidate.rttMs;
  return ranked.find(
    (candidate) =>
      candidate.depth <= parent.depth && measure(candidate) <= current - MOVE_MIN_GAIN_MS,
  );
}

/**
 * The backups a peer may repair from before it asks the origin again. Backups were measured
 * while attached, seconds ago: a deeper one may sit in a subtree cut off by the same loss, and a
 * peer with children that re-attaches deeper takes its whole subtree deeper with it. So a peer
 * that feeds others first tries only backups that keep it at its old depth or above
 * (`candidate.depth < lostDepth`); if none answers, the origin, which knows which peers still
 * reach it, offers the shallowest level. A leaf, or a peer that has asked the origin since the
 * loss, takes any. In `bench:tree:sim` at 10,000 peers this cut outages over 2 s from 2,700 to
 * under 800.
 */
export function repairCandidates<T extends CandidateInfo>(
  backups: readonly T[],
  repair: { lostDepth: number | undefined; hasChildren: boolean; askedOrigin: boolean },
): T[] {
  const { lostDepth, hasChildren, askedOrigin } = repair;
  if (lostDepth === undefined || !hasChildren || askedOrigin) return [...backups];
  return backups.filter((candidate) => candidate.depth < lostDepth);
}

/**
 * How long a measurement round waits for more answers once the first useful one is in, given
 * how long that first one took (ms). A candidate that answers in half as long again is at least
 * that much further, so it would not be chosen; the floor covers timer and scheduling noise, the
 * cap a first answer that was slow for reasons of its own (a WebRTC dial in a busy page). A round
 * that places a new peer (`placing`) waits longer, up to 2.5 times the first answer's time: the
 * far answers fix its coordinate, and in `bench:tree:sim` at 1,000 peers that brought the chosen
 * parent's RTT from 1.2-1.4 to 1.1-1.25 times the nearest free peer's.
 */
export function settleWindow(firstAnswerMs: number, placing = false): number {
  if (placing) return Math.min(SETTLE_PLACING_MAX_MS, 1.5 * firstAnswerMs);
  return Math.min(SETTLE_MAX_MS, Math.max(SETTLE_MIN_MS, firstAnswerMs / 2));
}
export const SETTLE_MIN_MS = 30;
export const SETTLE_MAX_MS = 150;
export const SETTLE_PLACING_MAX_MS = 400;
