/**
 * The simulated origin's coordinator: the real TreeView, called exactly as swarm-origin.ts calls
 * it (report, locate, offer with the origin's real child count, forget, expire), with the wall
 * time of every offer measured, so the run also tells what a join costs the origin's CPU.
 */
import { TreeView, type TreeOffer } from '../../src/seeder/tree-view.js';
import { EXPLORE_PEERS } from '../../src/swarm/parent-choice.js';
import type { PeerReport } from '../../src/swarm/messages.js';
import type { Coordinate } from '../../src/swarm/vivaldi.js';

export class Coordinator {
  readonly view: TreeView;
  /** Offers made, and their summed wall time in ms. */
  calls = 0;
  callMs = 0;

  constructor(
    readonly originId: string,
    originMaxChildren: number,
    random: () => number,
  ) {
    this.view = new TreeView(originId, originMaxChildren, random);
  }

  report(id: string, report: PeerReport, now: number): void {
    this.view.report(id, report, now);
  }

  /** swarm-origin forgets a peer whose connection to it dropped. */
  forget(id: string): void {
    this.view.forget(id);
  }

  expire(now: number): void {
    this.view.expire(now);
  }

  /** swarm-origin's answer to a join request. */
  answer(
    joiner: string,
    exclude: string[],
    coord: Coordinate | undefined,
    refresh: boolean,
    maxChildren: number | undefined,
    originChildren: number,
    now: number,
  ): TreeOffer {
    const started = performance.now();
    if (coord) this.view.locate(joiner, coord);
    const offer = this.view.offer(joiner, {
      exclude,
      ...(coord ? { coord } : {}),
      lease: !refresh,
      // /api/swarm's offer (no joiner) has no explorers; a refresh has.
      ...(refresh && joiner ? { explore: EXPLORE_PEERS } : {}),
      ...(maxChildren === undefined ? {} : { maxChildren }),
      originChildren,
      now,
    });
    this.callMs += performance.now() - started;
    this.calls += 1;
    return offer;
  }
}
