/**
 * Choosing a parent: the nearest good candidate. "Nearest" is measured round-trip time; each level
 * of depth costs a fixed penalty, since every hop adds delay and a point of failure. Pure.
 */
import type { CandidateInfo } from './messages.js';

/** What one extra level of depth is worth, in milliseconds of round-trip time. */
export const DEPTH_PENALTY_MS = 30;

export interface MeasuredCandidate extends CandidateInfo {
  rttMs: number;
}

export function rankCandidates(measured: MeasuredCandidate[]): MeasuredCandidate[] {
  return measured
    .filter((candidate) => candidate.freeSlots > 0 && Number.isFinite(candidate.rttMs))
    .sort((a, b) => score(a) - score(b) || b.freeSlots - a.freeSlots);
}

export const score = (candidate: MeasuredCandidate): number =>
  candidate.rttMs + DEPTH_PENALTY_MS * candidate.depth;

/**
 * Moving an attached peer costs a handshake and shifts its whole subtree, so it moves only for
 * a clear gain: its score (as ranked at a join) must drop by at least this much. Each move lowers
 * the score by that margin, so jitter smaller than it cannot make peers flap between parents.
 */
export const MOVE_MIN_GAIN_MS = 20;

/**
 * A candidate clearly better than the current parent by the join's own measure (`score`), at
 * no greater depth; or undefined. `parent.depth` is the parent's own depth (the origin's is 0);
 * `ranked` as from `rankCandidates`. This is the periodic re-evaluation of a parent that
 * overlay multicast trees do (Overcast, NICE); the offers it picks from are still the origin's,
 * which keeps leaves off the upper levels.
 */
export function nearerParent(
  parent: { rttMs: number; depth: number },
  ranked: MeasuredCandidate[],
): MeasuredCandidate | undefined {
  const current = score({ ...parent, id: '', addrs: [], freeSlots: 0 });
  return ranked.find(
    (candidate) =>
      candidate.depth <= parent.depth && score(candidate) <= current - MOVE_MIN_GAIN_MS,
  );
}
