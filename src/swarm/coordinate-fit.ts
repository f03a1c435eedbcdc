/**
 * Placing a new peer from one batch of pings by least squares, as GNP does (Ng and Zhang, "Predicting
 * Internet Network Distance with Coordinates-Based Approaches", INFOCOM 2002): find the point and
 * height whose predicted RTTs (vivaldi.ts: planar distance plus both heights) best match the
 * measured ones, in relative error. Vivaldi's spring steps, run over the same few samples, stop
 * short and push the residual into the height: in `bench:tree:sim` new peers came out about 9 ms
 * too high, which made the nearest peers look 85 % further than they are, and the nearest are
 * exactly what a joiner is placed to find. Gauss-Newton with Levenberg-Marquardt damping over
 * three unknowns; pure.
 */
import type { Coordinate, RttSample } from './vivaldi.js';

/** Steps per start; three unknowns converge in a handful. */
/**
 * How firmly a new peer's height is held to the median of the heights it measured against: a
 * deviation of this many ms costs as much as one sample off by 100 %. A handful of far samples
 * barely constrain the height, and a height too large makes every near peer look far.
 */
const HEIGHT_PRIOR_MS = 30;
const STEPS = 40;

export interface Fit {
  coord: Coordinate;
  /** Root mean square relative error of the fitted predictions against the samples. */
  rmsError: number;
}

/**
 * The coordinate that best explains `samples` (at least three with finite, positive RTTs and
 * remote error below 1), or undefined when there are too few to fix a point in the plane. The
 * error `e` of the result is its residual, or the samples' mean error if that is larger: a
 * coordinate is no surer than the ones it was fitted to.
 */
export function fitCoordinate(samples: RttSample[], start?: Coordinate): Fit | undefined {
  const useful = samples.filter((s) => s.coord.e < 1 && Number.isFinite(s.rttMs) && s.rttMs > 0);
  if (useful.length < 3) return undefined;
  const starts: [number, number, number][] = [];
  // A peer already placed refits from where it is: its samples move it a little at a time.
  if (start) starts.push([start.x, start.y, start.h]);
  // A new one starts beside each sample (the residual has local minima: a point mirrored across
  // a line of samples fits them almost as well), and at the weighted centroid.
  else for (const s of useful) starts.push([s.coord.x + 1, s.coord.y + 1, 0]);
  let wx = 0;
  let wy = 0;
  let w = 0;
  for (const s of useful) {
    const weight = 1 / (s.rttMs * s.rttMs);
    wx += weight * s.coord.x;
    wy += weight * s.coord.y;
    w += weight;
  }
  if (!start) starts.push([wx / w + 1, wy / w - 1, 0]);
  const heights = useful.map((s) => s.coord.h).sort((a, b) => a - b);
  const prior = heights[Math.floor(heights.length / 2)]!;
  let best: { p: [number, number, number]; cost: number } | undefined;
  for (const p of starts) {
    const fitted = descend(useful, p, prior);
    if (!best || fitted.cost < best.cost) best = fitted;
  }
  const [x, y, h] = best!.p;
  const rmsError = Math.sqrt(best!.cost / useful.length);
  const remote = useful.reduce((sum, s) => sum + s.coord.e, 0) / useful.length;
  const e = Math.min(1, Math.max(0.01, rmsError, remote));
  return { coord: { x, y, h, e }, rmsError };
}

/** Sum of squared relative residuals at p = [x, y, h]. */
function cost(samples: RttSample[], [x, y, h]: [number, number, number], prior: number): number {
  let sum = ((h - prior) / HEIGHT_PRIOR_MS) ** 2;
  for (const { coord, rttMs } of samples) {
    const d = Math.sqrt((x - coord.x) ** 2 + (y - coord.y) ** 2);
    const r = (d + h + coord.h - rttMs) / rttMs;
    sum += r * r;
  }
  return sum;
}

function descend(
  samples: RttSample[],
  start: [number, number, number],
  prior: number,
): { p: [number, number, number]; cost: number } {
  let p = start;
  let current = cost(samples, p, prior);
  let lambda = 1e-3;
  for (let step = 0; step < STEPS; step++) {
    // Normal equations (J^T J + lambda diag) delta = -J^T r, for the three unknowns.
    const a = [0, 0, 0, 0, 0, 0, 0, 0, 1 / HEIGHT_PRIOR_MS ** 2];
    const g = [0, 0, (p[2] - prior) / HEIGHT_PRIOR_MS ** 2];
    for (const { coord, rttMs } of samples) {
      const dx = p[0] - coord.x;
      const dy = p[1] - coord.y;
      const d = Math.max(1e-6, Math.sqrt(dx * dx + dy * dy));
      const r = (d + p[2] + coord.h - rttMs) / rttMs;
      const j = [dx / d / rttMs, dy / d / rttMs, 1 / rttMs];
      for (let row = 0; row < 3; row++) {
        g[row]! += j[row]! * r;
        for (let col = 0; col < 3; col++) a[row * 3 + col]! += j[row]! * j[col]!;
      }
    }
    for (let i = 0; i < 3; i++) a[i * 4]! *= 1 + lambda;
    const delta = solve3(a, g);
    if (!delta) break;
    const next: [number, number, number] = [
      p[0] - delta[0],
      p[1] - delta[1],
      Math.max(0, p[2] - delta[2]),
    ];
    const nextCost = cost(samples, next, prior);
    if (nextCost < current) {
      const gain = current - nextCost;
      p = next;
      current = nextCost;
      lambda = Math.max(1e-7, lambda / 3);
      if (gain < 1e-12) break;
    } else {
      lambda *= 4;
      if (lambda > 1e6) break;
    }
  }
  return { p, cost: current };
}

/** Solves the 3x3 system m x = v (row-major) by Cramer's rule; undefined when singular. */
function solve3(m: number[], v: number[]): [number, number, number] | undefined {
  const det = (c: number[]) =>
    c[0]! * (c[4]! * c[8]! - c[5]! * c[7]!) -
    c[1]! * (c[3]! * c[8]! - c[5]! * c[6]!) +
    c[2]! * (c[3]! * c[7]! - c[4]! * c[6]!);
  const d = det(m);
  if (!Number.isFinite(d) || Math.abs(d) < 1e-18) return undefined;
  const column = (i: number) => m.map((value, k) => (k % 3 === i ? v[Math.floor(k / 3)]! : value));
  return [det(column(0)) / d, det(column(1)) / d, det(column(2)) / d];
}
