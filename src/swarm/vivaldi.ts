/**
 * Vivaldi network coordinates (Dabek, Cox, Kaashoek, Morris, "Vivaldi: A Decentralized Network
 * Coordinate System", SIGCOMM 2004), in the paper's "2-D plus height" space: a point in the plane
 * for where a peer sits in the core network, plus a height for its access link, which every round
 * trip pays on both ends. Predicted RTT between two peers = planar distance + both heights, in ms.
 *
 * Each peer moves its own coordinate a little with every round trip it measures (section 3 of the
 * paper, the adaptive timestep with constants cc and ce); the origin then offers a joiner the
 * peers nearest to it by predicted RTT, instead of having it ping thousands. Pure functions: a
 * coordinate is a value, and randomness (for two peers at the same point) is passed in.
 */

import { fitCoordinate } from './coordinate-fit.js';

/** A network coordinate; every field in milliseconds except `e`. */
export interface Coordinate {
  x: number;
  y: number;
  /** Height: the access link's share of each round trip, ms (>= 0). */
  h: number;
  /** Relative error of this coordinate's predictions, 0 (exact) to 1 (knows nothing). */
  e: number;
}

/** Timestep constant: how far one sample may move a coordinate (paper: 0.25). */
export const VIVALDI_CC = 0.25;
/** Error-averaging constant (paper: 0.25). */
export const VIVALDI_CE = 0.25;
/** Coordinates beyond this (ms) are nonsense; decoders and updates clamp to it. */
export const MAX_COORDINATE_MS = 100_000;
/** Error floor: no coordinate is ever fully certain, so it can still move. */
const MIN_ERROR = 0.01;
/** A coordinate whose error is below this predicts well enough to place a joiner by. */
export const LOCATED_ERROR = 0.6;

/** Where a peer starts: the origin of the plane, knowing nothing. */
export const UNPLACED: Coordinate = { x: 0, y: 0, h: 0, e: 1 };

/** The origin's fixed coordinate, the anchor of everyone's frame (it measures nothing itself). */
export const ORIGIN_COORDINATE: Coordinate = { x: 0, y: 0, h: 0, e: 0.1 };

/** Predicted round-trip time between two coordinates, ms. */
export function predictRtt(a: Coordinate, b: Coordinate): number {
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  return Math.sqrt(dx * dx + dy * dy) + a.h + b.h;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/**
 * One Vivaldi step: `self` after measuring `rttMs` to a peer at `remote`. The move is weighted by
 * how sure `self` is relative to `remote` (w = e_self / (e_self + e_remote)), so a new peer jumps
 * towards well-placed ones and a well-placed one barely moves for a newcomer.
 */
export function observe(
  self: Coordinate,
  remote: Coordinate,
  rttMs: number,
  random: () => number = Math.random,
): Coordinate {
  if (!Number.isFinite(rttMs) || rttMs <= 0) return self;
  let dx = self.x - remote.x;
  let dy = self.y - remote.y;
  let planar = Math.sqrt(dx * dx + dy * dy);
  if (planar < 1e-6) {
    // Two peers at one point: push apart in a random direction (paper, section 3.3).
    const angle = 2 * Math.PI * random();
    dx = Math.cos(angle);
    dy = Math.sin(angle);
    planar = 0;
  } else {
    dx /= planar;
    dy /= planar;
  }
  const predicted = planar + self.h + remote.h;
  const weight = self.e / (self.e + remote.e);
  const sampleError = Math.abs(predicted - rttMs) / rttMs;
  const e = clamp(
    sampleError * VIVALDI_CE * weight + self.e * (1 - VIVALDI_CE * weight),
    MIN_ERROR,
    1,
  );
  // Positive force pushes away (the pair is closer in the plane than measured).
  const force = VIVALDI_CC * weight * (rttMs - predicted);
  // The move splits between the plane and the height in proportion to their shares of the
  // prediction, as the height-vector difference does in the paper.
  const total = planar + self.h + remote.h;
  const heightShare = total > 0 ? (self.h + remote.h) / total : 0.5;
  const planeMove = force * (1 - heightShare);
  return {
    x: clamp(self.x + dx * planeMove, -MAX_COORDINATE_MS, MAX_COORDINATE_MS),
    y: clamp(self.y + dy * planeMove, -MAX_COORDINATE_MS, MAX_COORDINATE_MS),
    h: clamp(self.h + force * heightShare, 0, MAX_COORDINATE_MS),
    e,
  };
}

export interface RttSample {
  coord: Coordinate;
  rttMs: number;
}

/**
 * Places a coordinate from a batch of fresh samples by running the same update over them a few
 * times: a joiner has one batch of pings, not the minutes of samples a long-lived peer has, and
 * one pass moves an unplaced peer only a quarter of the way. Samples from peers that know nothing
 * of their own place (error 1) carry no information and are skipped.
 */
export function locate(
  self: Coordinate,
  samples: RttSample[],
  random: () => number = Math.random,
  rounds = 8,
): Coordinate {
  const fit = fitCoordinate(samples);
  if (fit) return fit.coord;
  const useful = samples.filter((s) => s.coord.e < 1 && Number.isFinite(s.rttMs) && s.rttMs > 0);
  let out = self;
  for (let round = 0; round < rounds; round++) {
    for (const sample of useful) out = observe(out, sample.coord, sample.rttMs, random);
  }
  return out;
}

/** The coordinate rounded for the wire (0.1 ms, error to 0.01): a few dozen bytes of JSON. */
export function roundCoordinate(c: Coordinate): Coordinate {
  const r = (value: number, per: number) => Math.round(value * per) / per;
  return { x: r(c.x, 10), y: r(c.y, 10), h: r(c.h, 10), e: clamp(r(c.e, 100), MIN_ERROR, 1) };
}

/** Whether a coordinate predicts well enough to be placed by (and to ask for the nearest). */
export const isPlaced = (c: Coordinate): boolean => c.e < LOCATED_ERROR;

/**
 * A peer's coordinate after a batch of pings: a placed peer takes each sample as one Vivaldi
 * step; an unplaced one fits itself to the whole batch at once (`locate`).
 */
export function learn(
  self: Coordinate,
  samples: RttSample[],
  random: () => number = Math.random,
): Coordinate {
  if (!isPlaced(self)) return locate(self, samples, random);
  let out = self;
  for (const sample of samples) out = observe(out, sample.coord, sample.rttMs, random);
  return out;
}
