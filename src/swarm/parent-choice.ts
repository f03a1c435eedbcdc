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
