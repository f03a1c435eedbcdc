/**
 * A peer's network coordinate, kept from its recent round trips: the latest measurement to each of
 * the last few peers it pinged, refitted by least squares (coordinate-fit.ts) after every batch.
 * One batch of pings to a joiner's nearest candidates fixes little in the plane, since they all
 * sit on one side of it; the buffer keeps the far peers of its first spread and the origin in the
 * fit, so each refit sees several directions at once. Vivaldi's spring steps (vivaldi.ts) place a
 * peer that has fewer than three usable samples.
 */
import { fitCoordinate } from './coordinate-fit.js';
import { observe, UNPLACED, type Coordinate, type RttSample } from './vivaldi.js';

/** Remote peers whose latest sample is kept. */
export const SAMPLE_PEERS = 24;

export class CoordinateSamples {
  /** Latest sample per remote peer, oldest first (a Map keeps insertion order). */
  private readonly samples = new Map<string, RttSample>();
  coord: Coordinate = UNPLACED;

  constructor(private readonly random: () => number = Math.random) {}

  /**
   * Takes a batch of round trips (remote id, its coordinate, the RTT in ms; non-finite RTTs are
   * skipped) and returns the refitted coordinate.
   */
  learn(batch: readonly (RttSample & { id: string })[]): Coordinate {
    let fresh = 0;
    for (const { id, coord, rttMs } of batch) {
      if (!Number.isFinite(rttMs) || rttMs <= 0) continue;
      this.samples.delete(id);
      this.samples.set(id, { coord, rttMs });
      fresh += 1;
    }
    while (this.samples.size > SAMPLE_PEERS) {
      this.samples.delete(this.samples.keys().next().value!);
    }
    if (fresh === 0) return this.coord;
    const all = [...this.samples.values()];
    const fit = fitCoordinate(all, this.coord === UNPLACED ? undefined : this.coord);
    if (fit) return (this.coord = fit.coord);
    let out = this.coord;
    for (let round = 0; round < 8; round++) {
      for (const sample of all) {
        if (sample.coord.e < 1) out = observe(out, sample.coord, sample.rttMs, this.random);
      }
    }
    return (this.coord = out);
  }

  /** Forgets a peer's sample (it left, or its coordinate is no longer to be trusted). */
  forget(id: string): void {
    this.samples.delete(id);
  }
}
