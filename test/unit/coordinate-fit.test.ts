/**
 * Placing a new peer by least squares, and keeping its samples: with well-placed landmarks the
 * fitted coordinate must predict its near peers' RTTs, not only the far ones it measured.
 */
import { describe, expect, it } from 'vitest';
import { fitCoordinate } from '../../src/swarm/coordinate-fit.js';
import { CoordinateSamples, SAMPLE_PEERS } from '../../src/swarm/coordinate-samples.js';
import { locate, predictRtt, UNPLACED, type Coordinate } from '../../src/swarm/vivaldi.js';
import { makeRandom } from '../../bench/tree-sim/random.js';

interface Host {
  x: number;
  y: number;
  access: number;
}

const truth = (a: Host, b: Host) => Math.hypot(a.x - b.x, a.y - b.y) + a.access + b.access;
const exact = (host: Host): Coordinate => ({ x: host.x, y: host.y, h: host.access, e: 0.1 });

describe('fitCoordinate', () => {
  it('places a newcomer from far landmarks so that its near peers are predicted within 15 %', () => {
    const random = makeRandom(9);
    const host = () => ({ x: random() * 120 - 60, y: random() * 120 - 60, access: random() * 12 });
    const errors: number[] = [];
    for (let trial = 0; trial < 200; trial++) {
      const newcomer = host();
      const landmarks = Array.from({ length: 7 }, host);
      const samples = landmarks.map((l) => ({
        coord: exact(l),
        rttMs: truth(newcomer, l) * (1 + 0.03 * random()),
      }));
      const fit = fitCoordinate(samples)!;
      const neighbour = { x: newcomer.x + 3, y: newcomer.y - 2, access: random() * 12 };
      const predicted = predictRtt(fit.coord, exact(neighbour));
      errors.push(Math.abs(predicted - truth(newcomer, neighbour)) / truth(newcomer, neighbour));
    }
    errors.sort((a, b) => a - b);
    expect(errors[100]).toBeLessThan(0.15);
  });

  it('needs three usable samples, and is no surer than the coordinates it was fitted to', () => {
    const a = { coord: { x: 0, y: 0, h: 0, e: 0.1 }, rttMs: 20 };
    const b = { coord: { x: 30, y: 0, h: 0, e: 0.1 }, rttMs: 20 };
    expect(fitCoordinate([a, b])).toBeUndefined();
    expect(fitCoordinate([a, b, { ...a, rttMs: Infinity }])).toBeUndefined();
    expect(fitCoordinate([a, b, { coord: { ...a.coord, e: 1 }, rttMs: 5 }])).toBeUndefined();
    const vague = { x: 15, y: 30, h: 0, e: 0.5 };
    const fit = fitCoordinate([a, b, { coord: vague, rttMs: 20 }])!;
    expect(fit.coord.e).toBeGreaterThanOrEqual((0.1 + 0.1 + 0.5) / 3 - 1e-9);
    // `locate` places through the fit.
    expect(locate(UNPLACED, [a, b, { coord: vague, rttMs: 20 }])).toEqual(fit.coord);
  });
});

describe('CoordinateSamples', () => {
  it('keeps the latest sample of the last SAMPLE_PEERS peers and refits on each batch', () => {
    const random = makeRandom(4);
    const me = { x: 10, y: -20, access: 4 };
    const samples = new CoordinateSamples(random);
    expect(samples.learn([])).toEqual(UNPLACED);
    const hosts = Array.from({ length: SAMPLE_PEERS + 10 }, () => ({
      x: random() * 100 - 50,
      y: random() * 100 - 50,
      access: random() * 8,
    }));
    for (let i = 0; i < hosts.length; i += 5) {
      samples.learn(
        hosts
          .slice(i, i + 5)
          .map((h, j) => ({ id: `p${i + j}`, coord: exact(h), rttMs: truth(me, h) })),
      );
    }
    const coord = samples.coord;
    expect(Math.hypot(coord.x - me.x, coord.y - me.y)).toBeLessThan(2);
    expect(Math.abs(coord.h - me.access)).toBeLessThan(2);
    // A batch with nothing measurable changes nothing.
    expect(samples.learn([{ id: 'x', coord: exact(hosts[0]!), rttMs: Infinity }])).toBe(coord);
  });

  it('falls back to spring steps with fewer than three samples (a swarm of one)', () => {
    const samples = new CoordinateSamples(makeRandom(1));
    const origin = { x: 0, y: 0, h: 0, e: 0.1 };
    const placed = samples.learn([{ id: 'origin', coord: origin, rttMs: 40 }]);
    expect(predictRtt(placed, origin)).toBeGreaterThan(5);
  });
});
