/**
 * The tree simulation itself: N peers arriving, churning and re-attaching, event by event. One
 * closure on purpose: its handlers share the peers, the queue and the statistics, and it runs
 * tens of millions of events.
 */
import {
  nearerParent,
  repairCandidates,
  rankCandidates,
  type MeasuredCandidate,
} from '../../src/swarm/parent-choice.js';
import type { CandidateInfo, PeerReport } from '../../src/swarm/messages.js';
import { positionReport } from '../../test/helpers/position-report.js';
import {
  isPlaced,
  roundCoordinate,
  UNPLACED,
  type Coordinate,
  type RttSample,
} from '../../src/swarm/vivaldi.js';
import type { Oracle, RejectReason, Summary, TreeSimOptions, TreeSimResult } from './contract.js';
import { Coordinator } from './coordinator.js';
import {
  ACCEPT_GRACE_MS,
  ATTACH_TIMEOUT_MS,
  CAPACITIES,
  COORDINATOR_FIXED_MS,
  DEFAULT_COORDINATOR_US_PER_JOIN,
  DIAL_RTTS,
  DISTANCE_RTT_MS,
  FAILED_MEMORY_MS,
  FIRST_RETRY_MS,
  JOIN_TIMEOUT_MS,
  MAX_ACCESS_MS,
  MAX_RETRY_MS,
  MEAN_CAPACITY,
  MIN_RTT_MS,
  MOVE_COOLDOWN_MS,
  ORIGIN_EXPIRY_MS,
  ORPHAN_LIMIT_MS,
  PARALLEL_ATTACHES,
  PING_TIMEOUT_MS,
  REFRESH_MS,
  REPORT_INTERVAL_MS,
  REQUEST_RTTS,
  SILENCE_MS,
  SILENT_CHILD_MS,
  TICK_MS,
} from './model.js';
import {
  EXPLORE_PEERS,
  OFFER_LIMIT,
  settleWindow,
  SPREAD_LIMIT,
} from '../../src/swarm/parent-choice.js';
import { CoordinateSamples } from '../../src/swarm/coordinate-samples.js';
import { EventQueue } from './queues.js';
import { makeRandom } from './random.js';

/** Addresses play no part here; one shared, never-written empty list. */
const NO_ADDRS: string[] = [];

interface SimPeer {
  id: string;
  x: number;
  y: number;
  access: number;
  maxChildren: number;
  arrivedAt: number;
  alive: boolean;
  silentLeave: boolean;
  /** The parent this peer is linked to (kept while its stream is dark, until it gives up). */
  parent: SimPeer | undefined;
  /** Bumped on every attach, so stale timers and notices for an older link do nothing. */
  link: number;
  children: Set<SimPeer>;
  depth: number;
  /** Actually receiving the stream: every link up to the origin is alive. */
  connected: boolean;
  everConnected: boolean;
  outageSince: number;
  longOutage: boolean;
  /** Bumped whenever the stream stops here, so an older silence timer does nothing. */
  darkEpoch: number;
  lostAt: number | undefined;
  /** Whether the origin was asked since the parent was lost (TreeMember.attachLoop's flag). */
  askedSinceLoss: boolean;
  /** Bumped to cancel a running attach loop (on death, attach, or a new loop). */
  loop: number;
  backups: MeasuredCandidate[];
  /** TreeMember's ExpiringSet, as parallel lists (a handful of ids; faster than a Map here). */
  failedIds: string[];
  failedAt: number[];
  retryMs: number;
  /** When the coordination session (CoordClient) is ready; Infinity before it is opened. */
  sessionAt: number;
  /** TreeMember's network coordinate, and the samples it is fitted to. */
  coord: Coordinate;
  samples: CoordinateSamples;
  queries: number;
  bucket: number;
  liveIndex: number;
  /** The parent's RTT as measured when this peer chose it (what a move is weighed against). */
  parentRttMs: number;
  movedAt: number;
}

const baseRtt = (a: SimPeer, b: SimPeer): number => {
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  // sqrt, not Math.hypot: this runs tens of millions of times and hypot is several times slower.
  return (
    MIN_RTT_MS + (DISTANCE_RTT_MS * Math.sqrt(dx * dx + dy * dy)) / Math.SQRT2 + a.access + b.access
  );
};

function summarize(values: number[]): Summary {
  if (values.length === 0) return { count: 0, p50: NaN, p95: NaN, max: NaN };
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
  return { count: sorted.length, p50: rank(0.5), p95: rank(0.95), max: sorted.at(-1)! };
}

/** The part of a fitted coordinate that `oracle` replaces by the truth (see TreeSimOptions). */
function withOracle(peer: SimPeer, fitted: Coordinate, oracle: Oracle): Coordinate {
  // baseRtt is MIN_RTT_MS plus the planar distance scaled to ms plus both access delays.
  const scale = DISTANCE_RTT_MS / Math.SQRT2;
  const position = { x: scale * peer.x, y: scale * peer.y };
  const h = peer.access + MIN_RTT_MS / 2;
  switch (oracle) {
    case 'all':
      return { ...position, h, e: 0.01 };
    case 'heights':
      return { ...fitted, h };
    case 'joiners':
      return peer.everConnected ? fitted : { ...fitted, ...position };
    case 'settled':
      return peer.everConnected ? { ...fitted, ...position } : fitted;
    case 'none':
      return fitted;
  }
}

/** Runs the whole simulation; no I/O, same result for the same options (bar timings). */
export function simulateTree(input: TreeSimOptions): TreeSimResult {
  const options: Required<TreeSimOptions> = {
    originMaxChildren: 4,
    joinWindowMs: 60_000,
    settleMs: 30_000,
    silentLeaveFraction: 0,
    eagerReports: true,
    coordinatorUsPerJoin: DEFAULT_COORDINATOR_US_PER_JOIN,
    oracle: 'none',
    ...input,
  };
  const random = makeRandom(options.seed);
  const q = new EventQueue();
  const churnEndMs = options.minutes * 60_000;
  const endMs = churnEndMs + options.settleMs;
  const buckets = Array.from({ length: REPORT_INTERVAL_MS / TICK_MS }, () => new Set<SimPeer>());
  const byId = new Map<string, SimPeer>();
  const live: SimPeer[] = [];
  /** Peers that could feed a child right now (true state, for the RTT ratios). */
  const open = new Set<SimPeer>();

  const stats = {
    join: [] as number[],
    repair: [] as number[],
    outage: [] as number[],
    ratio: [] as number[],
    withinBudgetRatio: [] as number[],
    queriesPerJoin: [] as number[],
    cutOff: [] as number[],
    rejects: { full: 0, loop: 0, refused: 0, dead: 0 } as Record<RejectReason, number>,
    queries: 0,
    refreshQueries: 0,
    moves: 0,
    movesRefused: 0,
    timeouts: 0,
    busyUntil: 0,
    maxQueueMs: 0,
    queriesBySecond: new Map<number, number>(),
    maxDepthEver: 0,
    outagesOver2s: 0,
    notReceiving: 0,
    peakNotReceiving: 0,
    secondAsks: 0,
  };

  const newPeer = (id: string, maxChildren: number): SimPeer => ({
    id,
    x: random(),
    y: random(),
    access: random() * MAX_ACCESS_MS,
    maxChildren,
    arrivedAt: q.now,
    alive: true,
    silentLeave: false,
    parent: undefined,
    link: 0,
    children: new Set(),
    depth: 0,
    connected: false,
    everConnected: false,
    outageSince: 0,
    longOutage: false,
    darkEpoch: 0,
    lostAt: undefined,
    askedSinceLoss: false,
    loop: 0,
    backups: [],
    failedIds: [],
    failedAt: [],
    retryMs: FIRST_RETRY_MS,
    sessionAt: Infinity,
    coord: UNPLACED,
    samples: new CoordinateSamples(random),
    queries: 0,
    bucket: Math.floor(random() * buckets.length),
    liveIndex: -1,
    parentRttMs: Infinity,
    movedAt: -Infinity,
  });

  const origin = newPeer('origin', options.originMaxChildren);
  Object.assign(origin, { x: 0.5, y: 0.5, access: 0, connected: true, everConnected: true });
  byId.set(origin.id, origin);
  const coordinator = new Coordinator(origin.id, options.originMaxChildren, random);

  const positioned = (peer: SimPeer) => peer === origin || peer.parent !== undefined;
  const touch = (peer: SimPeer) => {
    const free = peer.children.size < peer.maxChildren;
    if (peer.alive && peer.connected && positioned(peer) && free) open.add(peer);
    else open.delete(peer);
  };
  touch(origin);

  /** Depth-first over `top` and everything below it; `visit` returns false to stop descending. */
  const walk = (top: SimPeer, visit: (peer: SimPeer, depth: number) => boolean) => {
    const stack: [SimPeer, number][] = [[top, top.depth]];
    let steps = 0;
    for (let item = stack.pop(); item; item = stack.pop()) {
      const [peer, depth] = item;
      if (++steps > byId.size) throw new Error(`the tree has a loop through ${peer.id}`);
      if (!visit(peer, depth)) continue;
      for (const child of peer.children) {
        // An accepted child that has not adopted this parent yet gets nothing from it.
        if (child.parent === peer) stack.push([child, depth + 1]);
      }
    }
  };

  const reportOf = (peer: SimPeer): PeerReport =>
    positionReport({
      parent: peer.parent?.id ?? null,
      depth: peer.parent ? peer.depth : 0,
      rttMs: peer.parent ? baseRtt(peer, peer.parent) : 0,
      children: peer.children.size,
      maxChildren: peer.maxChildren,
      addrs: NO_ADDRS,
    });

  /** peer.ts also reports on every change; the report lands after the one-way delay. */
  const reportSoon = (peer: SimPeer) => {
    if (!options.eagerReports || peer === origin) return;
    const report = reportOf(peer);
    q.after(baseRtt(peer, origin) / 2, () => coordinator.report(peer.id, report, q.now));
  };

  const sample = (rtt: number) => rtt * (1 + 0.1 * random()) - 2 * Math.log(1 - random());
  const running = (peer: SimPeer, loop: number) => peer.alive && peer.loop === loop;
  const failedNow = (peer: SimPeer, id: string, at: number) => {
    const index = peer.failedIds.indexOf(id);
    return index >= 0 && at - peer.failedAt[index]! <= FAILED_MEMORY_MS;
  };
  const noteFailed = (peer: SimPeer, id: string, at: number) => {
    const index = peer.failedIds.indexOf(id);
    if (index >= 0) peer.failedAt[index] = at;
    else {
      peer.failedIds.push(id);
      peer.failedAt.push(at);
    }
  };

  // ---- The stream: who receives it, and the silence timer when it stops. ----

  /** TreeMember.receive gives up on a parent that sends nothing for SILENCE_MS. */
  const armSilence = (peer: SimPeer) => {
    const epoch = ++peer.darkEpoch;
    const link = peer.link;
    q.after(SILENCE_MS, () => {
      const stillDark = !peer.connected && peer.darkEpoch === epoch;
      if (peer.alive && stillDark) parentLost(peer, link);
    });
  };

  /** Everything below `top` stops receiving; returns how many were receiving. */
  const streamStopped = (top: SimPeer): number => {
    let cut = 0;
    walk(top, (peer) => {
      if (peer === top) return true;
      // A dead child its parent has not noticed yet has nothing below it any more.
      if (!peer.alive) return false;
      if (peer.connected) {
        cut += 1;
        peer.connected = false;
        peer.outageSince = q.now;
        stats.notReceiving += 1;
        touch(peer);
        armSilence(peer);
      }
      return true;
    });
    return cut;
  };

  /** `top` got a parent: path messages give its subtree new depths, and the stream if any. */
  const placed = (top: SimPeer, heardAt: number) => {
    const receiving = top.parent!.connected;
    walk(top, (peer, depth) => {
      if (!peer.alive) return false;
      peer.depth = depth;
      if (receiving && !peer.connected) {
        if (!peer.everConnected) {
          stats.join.push(heardAt - peer.arrivedAt);
          stats.queriesPerJoin.push(peer.queries);
        } else {
          const outage = heardAt - peer.outageSince;
          stats.outage.push(outage);
          if (outage > ORPHAN_LIMIT_MS) {
            peer.longOutage = true;
            stats.outagesOver2s += 1;
          }
        }
        peer.everConnected = true;
        peer.connected = true;
        stats.notReceiving -= 1;
        stats.maxDepthEver = Math.max(stats.maxDepthEver, depth);
        touch(peer);
      }
      return true;
    });
    // Accepted (and a little backfill) from a parent that itself receives nothing.
    if (!receiving) armSilence(top);
  };

  // ---- The coordinator round trip (TreeMember.measure), shared by joins and refreshes. ----

  type Offered = Omit<CandidateInfo, 'addrs'>;

  /**
   * One join request: the origin answers joins one at a time; `done` gets its offer (itself
   * first), or undefined when the 10 s timeout ran out first. `wanted` says whether the asker
   * still cares.
   */
  const request = (
    peer: SimPeer,
    exclude: string[],
    withCoord: boolean,
    refresh: boolean,
    delay: number,
    deadline: number,
    wanted: () => boolean,
    done: (offer: Offered[] | undefined) => void,
  ) => {
    const rtt = baseRtt(peer, origin);
    // A new peer's first offer comes with GET /api/swarm (a TCP handshake and the request, as
    // peer.ts fetches it). CoordClient then opens its session stream (a dial and a protocol
    // negotiation) at once, and every later request on it is one round trip.
    const fromApi = peer.sessionAt === Infinity && !peer.everConnected && !refresh;
    if (!fromApi && peer.sessionAt === Infinity) {
      peer.sessionAt = q.now + delay + (DIAL_RTTS + 1) * rtt;
    }
    const sendAt = fromApi ? q.now + delay : Math.max(q.now + delay, peer.sessionAt);
    q.after(sendAt - q.now + ((fromApi ? REQUEST_RTTS : 1) - 0.5) * rtt, () => {
      if (!wanted()) return;
      // A join the client gave up on before its turn costs the origin nothing.
      const start = Math.max(q.now, stats.busyUntil);
      const serviceMs = COORDINATOR_FIXED_MS + options.coordinatorUsPerJoin / 1000;
      if (start < deadline) stats.busyUntil = start + serviceMs;
      stats.maxQueueMs = Math.max(stats.maxQueueMs, start - q.now);
      const answeredAt = start + serviceMs + rtt / 2;
      if (fromApi) peer.sessionAt = answeredAt + (DIAL_RTTS + 1) * rtt;
      if (answeredAt > deadline) {
        stats.timeouts += 1;
        q.after(deadline - q.now, () => done(undefined));
        return;
      }
      const serve = () => {
        if (!wanted()) return;
        const second = Math.floor(q.now / 1000);
        stats.queriesBySecond.set(second, (stats.queriesBySecond.get(second) ?? 0) + 1);
        stats.queries += 1;
        const coord = withCoord ? roundCoordinate(peer.coord) : undefined;
        // /api/swarm's offer is for anyone: no joiner, nothing leased.
        const offer = coordinator.answer(
          fromApi ? '' : peer.id,
          exclude,
          coord,
          refresh || fromApi,
          fromApi ? undefined : peer.maxChildren,
          origin.children.size,
          q.now,
        );
        const list = [offer.origin, ...offer.candidates];
        q.after(answeredAt - q.now, () => done(list));
      };
      // An idle origin answers at once; no event needed for the wait.
      if (start === q.now) serve();
      else q.after(start - q.now, serve);
    });
  };

  /**
   * TreeMember.measureOffer: pings what the origin offered, `pings` times each and all in
   * parallel, stops SETTLE_WINDOW_MS after the first useful answer, learns the coordinate from
   * the answers and ranks them.
   */
  const pingOffer = (
    peer: SimPeer,
    offer: Offered[],
    pings: number,
    done: (ranked: MeasuredCandidate[]) => void,
    waitAll = false,
  ) => {
    // TreeMember.measureOffer: the origin and six, or a whole spread, or six and the explorers.
    const limit =
      1 + (isPlaced(peer.coord) ? OFFER_LIMIT : SPREAD_LIMIT) + (waitAll ? EXPLORE_PEERS : 0);
    const measured: MeasuredCandidate[] = [];
    const answerAt: number[] = [];
    let first = Infinity;
    let last = 0;
    for (const candidate of offer) {
      if (measured.length === limit) break;
      if (candidate.id === peer.id) continue;
      const target = byId.get(candidate.id)!;
      const rtt = baseRtt(peer, target);
      let rttMs = Infinity;
      let at: number;
      if (!target.alive) {
        at = target.silentLeave ? PING_TIMEOUT_MS : rtt;
      } else {
        const dial = target === origin ? 0 : DIAL_RTTS;
        // TreeMember.rtt dials, then sends its pings together.
        at = (dial + REQUEST_RTTS) * rtt;
        for (let i = 0; i < pings; i++) rttMs = Math.min(rttMs, sample(rtt));
      }
      measured.push({ ...candidate, addrs: NO_ADDRS, rttMs });
      answerAt.push(at);
      if (Number.isFinite(rttMs) && candidate.freeSlots > 0) first = Math.min(first, at);
      last = Math.max(last, at);
    }
    const cutoff = waitAll
      ? last
      : Math.min(last, first + settleWindow(first, !isPlaced(peer.coord)));
    q.after(cutoff, () => {
      const answered = measured.filter((_, i) => answerAt[i]! <= cutoff);
      const samples: (RttSample & { id: string })[] = [];
      for (const { id, coord, rttMs } of answered) {
        if (coord && Number.isFinite(rttMs)) samples.push({ id, coord, rttMs });
      }
      if (peer.alive) peer.coord = withOracle(peer, peer.samples.learn(samples), options.oracle);
      done(rankCandidates(answered));
    });
  };

  /**
   * TreeMember.measure: asks with the peer's coordinate once it is placed; a peer not yet placed
   * places itself from the spread it was offered and asks once more, for the nearest. `done`
   * gets the ranked list, or undefined when a request timed out.
   */
  const measure = (
    peer: SimPeer,
    exclude: string[],
    pings: number,
    delay: number,
    refresh: boolean,
    wanted: () => boolean,
    done: (ranked: MeasuredCandidate[] | undefined) => void,
  ) => {
    const deadline = q.now + delay + JOIN_TIMEOUT_MS;
    const placed = isPlaced(peer.coord);
    request(peer, exclude, placed, refresh, delay, deadline, wanted, (offer) => {
      if (!offer) return done(undefined);
      pingOffer(
        peer,
        offer,
        placed || refresh ? pings : 1,
        (firstRanked) => {
          if (placed || refresh || !isPlaced(peer.coord)) return done(firstRanked);
          stats.secondAsks += 1;
          request(peer, exclude, true, refresh, 0, deadline, wanted, (near) => {
            if (!near) return done(undefined);
            pingOffer(peer, near, pings, (nearRanked) => {
              const ids = new Set(nearRanked.map((candidate) => candidate.id));
              const rest = firstRanked.filter((candidate) => !ids.has(candidate.id));
              done(rankCandidates([...nearRanked, ...rest]));
            });
          });
        },
        refresh,
      );
    });
  };

  // ---- TreeMember's attach loop, as a chain of events. ----

  const startAttach = (peer: SimPeer) => {
    peer.failedIds = [];
    peer.failedAt = [];
    peer.retryMs = FIRST_RETRY_MS;
    proceed(peer, ++peer.loop, 0);
  };

  /** Next step of the loop, `delay` ms from now: the best untried backup, else the coordinator. */
  const proceed = (peer: SimPeer, loop: number, delay: number) => {
    const at = q.now + delay;
    const usable = repairCandidates(peer.backups, {
      lostDepth: peer.lostAt === undefined ? undefined : peer.depth,
      hasChildren: peer.children.size > 0,
      askedOrigin: peer.askedSinceLoss,
    });
    const batch = usable
      .filter((candidate) => !failedNow(peer, candidate.id, at))
      .slice(0, PARALLEL_ATTACHES);
    if (batch.length > 0) attachBatch(peer, loop, batch, delay);
    else ask(peer, loop, delay);
  };

  const ask = (peer: SimPeer, loop: number, delay: number) => {
    const at = q.now + delay;
    // ExpiringSet.values() also drops what has expired.
    const exclude: string[] = [];
    const ids = peer.failedIds;
    const times = peer.failedAt;
    let kept = 0;
    for (let i = 0; i < ids.length; i++) {
      if (at - times[i]! > FAILED_MEMORY_MS) continue;
      exclude.push(ids[i]!);
      ids[kept] = ids[i]!;
      times[kept++] = times[i]!;
    }
    ids.length = kept;
    times.length = kept;
    // Repairing: one ping each is enough; speed matters more than the last millisecond.
    const pings = peer.lostAt === undefined ? 2 : 1;
    peer.queries += 1;
    const wanted = () => running(peer, loop);
    measure(peer, exclude, pings, delay, false, wanted, (ranked) => {
      if (!running(peer, loop)) return;
      if (ranked) {
        peer.askedSinceLoss = true;
        peer.backups = ranked.filter((candidate) => !failedNow(peer, candidate.id, q.now));
        if (peer.backups.length > 0) {
          proceed(peer, loop, 0);
          return;
        }
      }
      const wait = peer.retryMs;
      peer.retryMs = Math.min(peer.retryMs * 2, MAX_RETRY_MS);
      proceed(peer, loop, wait);
    });
  };

  /**
   * LiveServer.refusal, on the parent's own (true) state. 'full' is checked before the walk up
   * the path (the storm makes millions of these): same verdict, a loop into a full parent is
   * just counted as 'full'.
   */
  const refusal = (parent: SimPeer, child: SimPeer): RejectReason | undefined => {
    if (!positioned(parent)) return 'refused';
    if (!parent.children.has(child) && parent.children.size >= parent.maxChildren) return 'full';
    for (let at: SimPeer | undefined = parent, steps = 0; at; at = at.parent, steps++) {
      if (at === child || steps > byId.size) return 'loop';
    }
    return undefined;
  };

  /**
   * TreeMember.attachFirst: asks up to PARALLEL_ATTACHES candidates at once (ranked). A parent
   * that accepts holds the slot at once; once one has said yes the others get ACCEPT_GRACE_MS
   * more, and the highest-ranked yes wins (at once, when the nearest still in the running said
   * yes). Every other yes is left again, which its parent notices half an RTT later.
   */
  const attachBatch = (peer: SimPeer, loop: number, batch: MeasuredCandidate[], delay: number) => {
    /** null: no answer yet; undefined: refused or gone; a peer: it accepted. */
    const answers: (SimPeer | null | undefined)[] = batch.map(() => null);
    let settled = false;
    let graceArmed = false;
    const leave = (target: SimPeer) => {
      q.after(baseRtt(peer, target) / 2, () => {
        if (peer.parent === target || !target.children.delete(peer)) return;
        touch(target);
        reportSoon(target);
      });
    };
    const decide = () => {
      if (settled) return;
      settled = true;
      // An accepting parent that moved below this peer meanwhile: the real parent drops the
      // child at once (LiveServer.positionChanged), so the attach counts as refused.
      answers.forEach((answer, index) => {
        if (answer && refusal(answer, peer) === 'loop') {
          answer.children.delete(peer);
          touch(answer);
          stats.rejects.loop += 1;
          answers[index] = undefined;
        }
      });
      const best = running(peer, loop) ? answers.findIndex((answer) => answer) : -1;
      answers.forEach((answer, index) => {
        if (answer && index !== best) leave(answer);
      });
      if (best >= 0) attached(peer, answers[best]!, q.now, batch[best]!.rttMs);
      else if (running(peer, loop)) proceed(peer, loop, 0);
    };
    const check = () => {
      if (answers.find((answer) => answer !== undefined)) decide();
      else if (answers.every((answer) => answer !== null)) decide();
    };
    batch.forEach((candidate, index) => {
      const target = byId.get(candidate.id)!;
      const rtt = baseRtt(peer, target);
      // The parent decides when the attach arrives; the child hears the answer half an RTT later.
      const arrival = delay + (REQUEST_RTTS - 0.5) * rtt;
      q.after(arrival, () => {
        let why: RejectReason | undefined;
        let heardIn = rtt / 2;
        if (!target.alive) {
          why = 'dead';
          // A crashed host refuses at once; a vanished one is waited out.
          heardIn = target.silentLeave ? ATTACH_TIMEOUT_MS - (arrival - delay) : 0;
        } else if (!settled && running(peer, loop)) {
          why = refusal(target, peer);
          if (!why) {
            target.children.add(peer);
            touch(target);
          }
        } else {
          return;
        }
        q.after(heardIn, () => {
          if (settled) {
            if (!why) leave(target);
            return;
          }
          if (why) {
            stats.rejects[why] += 1;
            answers[index] = undefined;
            noteFailed(peer, target.id, q.now);
            const at = peer.backups.findIndex((backup) => backup.id === target.id);
            if (at >= 0) peer.backups.splice(at, 1);
          } else {
            answers[index] = target;
            if (!graceArmed) {
              graceArmed = true;
              q.after(ACCEPT_GRACE_MS, decide);
            }
          }
          check();
        });
      });
    });
  };

  const attached = (peer: SimPeer, parent: SimPeer, heardAt: number, rttMs: number) => {
    if (parent.connected && !peer.everConnected) noteChoice(peer, parent);
    peer.parent = parent;
    peer.parentRttMs = rttMs;
    peer.link += 1;
    peer.loop += 1;
    parent.children.add(peer);
    if (peer.lostAt !== undefined) stats.repair.push(heardAt - peer.lostAt);
    peer.lostAt = undefined;
    peer.askedSinceLoss = false;
    peer.depth = parent.depth + 1;
    placed(peer, heardAt);
    touch(parent);
    touch(peer);
    reportSoon(peer);
    reportSoon(parent);
    scheduleRefresh(peer);
  };

  /** The chosen parent's RTT against the nearest peer that could have fed this one. */
  const noteChoice = (peer: SimPeer, parent: SimPeer) => {
    // The coordinator offers parents down to its budget less one (where a leaf lands at it).
    const deepest = coordinator.view.depthBudget() - 1;
    let best = Infinity;
    let bestWithin = Infinity;
    for (const other of open) {
      const rtt = baseRtt(peer, other);
      best = Math.min(best, rtt);
      if (other.depth <= deepest) bestWithin = Math.min(bestWithin, rtt);
    }
    stats.ratio.push(baseRtt(peer, parent) / best);
    stats.withinBudgetRatio.push(baseRtt(peer, parent) / bestWithin);
  };

  /** TreeMember.refresh: while attached, re-measure backups every 8 s (±25 %). */
  const scheduleRefresh = (peer: SimPeer) => {
    const link = peer.link;
    q.after(REFRESH_MS * (0.75 + random() / 2), () => {
      const parent = peer.parent;
      if (!peer.alive || peer.link !== link || !parent) return;
      stats.refreshQueries += 1;
      const same = () => peer.alive && peer.link === link && peer.parent === parent;
      measure(
        peer,
        [parent.id],
        1,
        0,
        true,
        () => peer.alive,
        (ranked) => {
          if (!same()) return;
          if (ranked) {
            peer.backups = ranked.filter((candidate) => candidate.id !== parent.id);
            moveIfNearer(peer, parent, peer.backups);
          }
          scheduleRefresh(peer);
        },
      );
    });
  };

  /**
   * TreeMember.moveIfNearer: attach to a clearly better candidate, then leave the old parent
   * (make-before-break, so the subtree sees no outage). A move bumps `link`, which ends the old
   * refresh chain; `attached` starts a new one.
   */
  const moveIfNearer = (peer: SimPeer, parent: SimPeer, ranked: MeasuredCandidate[]) => {
    if (q.now - peer.movedAt < MOVE_COOLDOWN_MS) return;
    // The sim has no late answers (pings past the settle window are dropped): only refreshes.
    const target = nearerParent(
      { rttMs: peer.parentRttMs, depth: parent.depth },
      ranked,
      'rtt',
      coordinator.view.depthBudget(),
    );
    if (!target) return;
    peer.movedAt = q.now;
    const next = byId.get(target.id)!;
    const rtt = baseRtt(peer, next);
    const link = peer.link;
    q.after((REQUEST_RTTS - 0.5) * rtt, () => {
      if (!peer.alive || peer.link !== link || peer.parent !== parent) return;
      // TreeMember.moveIfNearer closes an accept that would put it deeper than it is.
      if (!next.alive || refusal(next, peer) || next.depth > parent.depth) {
        stats.movesRefused += 1;
        return;
      }
      stats.moves += 1;
      parent.children.delete(peer);
      touch(parent);
      reportSoon(parent);
      peer.backups = peer.backups.filter((candidate) => candidate.id !== next.id);
      attached(peer, next, q.now + rtt / 2, target.rttMs);
    });
  };

  // ---- Losing a parent, leaving, arriving. ----

  /**
   * TreeMember.receive ended: look for a new parent. LiveServer keeps the children (they wait,
   * dark, and give up after SILENCE_MS unless this peer finds a parent first).
   */
  const parentLost = (peer: SimPeer, link: number) => {
    if (!peer.alive || peer.link !== link || !peer.parent) return;
    const old = peer.parent;
    peer.parent = undefined;
    peer.lostAt = q.now;
    const index = peer.backups.findIndex((candidate) => candidate.id === old.id);
    if (index >= 0) peer.backups.splice(index, 1);
    if (old.alive) {
      // The old parent sees the stream close.
      q.after(baseRtt(peer, old) / 2, () => {
        if (peer.parent === old || !old.children.delete(peer)) return;
        touch(old);
        reportSoon(old);
      });
    }
    touch(peer);
    reportSoon(peer);
    startAttach(peer);
  };

  const leave = (peer: SimPeer) => {
    peer.alive = false;
    peer.silentLeave = random() < options.silentLeaveFraction;
    peer.loop += 1;
    if (!peer.connected) stats.notReceiving -= 1;
    peer.connected = false;
    const last = live.pop()!;
    if (last !== peer) {
      live[peer.liveIndex] = last;
      last.liveIndex = peer.liveIndex;
    }
    buckets[peer.bucket]!.delete(peer);
    open.delete(peer);
    // Closed sockets drop the peer's connection to the origin too, which forgets it at once.
    if (!peer.silentLeave) q.after(baseRtt(peer, origin) / 2, () => coordinator.forget(peer.id));
    const parent = peer.parent;
    if (parent) {
      const noticed = peer.silentLeave ? SILENT_CHILD_MS : baseRtt(peer, parent) / 2;
      q.after(noticed, () => {
        if (!parent.children.delete(peer)) return;
        touch(parent);
        reportSoon(parent);
      });
    }
    stats.cutOff.push(streamStopped(peer));
    // Closed sockets tell the children at once; a vanished parent only by its silence.
    if (!peer.silentLeave) {
      for (const child of peer.children) {
        const link = child.link;
        q.after(baseRtt(peer, child) / 2, () => parentLost(child, link));
      }
    }
    peer.children.clear();
  };

  let nextId = 0;
  const arrive = () => {
    let pick = random();
    let maxChildren = 0;
    for (const [slots, weight] of CAPACITIES) {
      maxChildren = slots;
      if ((pick -= weight) < 0) break;
    }
    const peer = newPeer(`p${nextId++}`, maxChildren);
    byId.set(peer.id, peer);
    peer.liveIndex = live.length;
    live.push(peer);
    buckets[peer.bucket]!.add(peer);
    stats.notReceiving += 1;
    startAttach(peer);
  };

  // ---- Workload: joins over the first window, then Poisson churn with replacement. ----

  const joinTimes = Array.from({ length: options.peers }, () => random() * options.joinWindowMs);
  joinTimes.sort((a, b) => a - b);
  for (const at of joinTimes) q.after(at, arrive);

  const churnPerMs = (options.churn * options.peers) / 60_000;
  const gap = () => -Math.log(1 - random()) / churnPerMs;
  const churnOnce = () => {
    if (live.length > 0) leave(live[Math.floor(random() * live.length)]!);
    arrive();
    const next = gap();
    if (q.now + next < churnEndMs) q.after(next, churnOnce);
  };
  if (churnPerMs > 0) {
    const first = options.joinWindowMs + gap();
    if (first < churnEndMs) q.after(first, churnOnce);
  }

  let bucket = 0;
  const tick = () => {
    for (const peer of buckets[bucket]!) coordinator.report(peer.id, reportOf(peer), q.now);
    bucket = (bucket + 1) % buckets.length;
    if (q.now % ORIGIN_EXPIRY_MS < TICK_MS) coordinator.expire(q.now);
    stats.peakNotReceiving = Math.max(stats.peakNotReceiving, stats.notReceiving);
    q.after(TICK_MS, tick);
  };
  q.after(TICK_MS, tick);

  const depths = () => summarize(live.filter((peer) => peer.connected).map((peer) => peer.depth));

  q.runUntil(churnEndMs);
  const depthAtChurnEnd = depths();
  const notReceivingAtChurnEnd = live.filter((peer) => !peer.connected).length;
  q.runUntil(endMs);

  // Outages still running at the end count too.
  for (const peer of live) {
    const over = endMs - peer.outageSince > ORPHAN_LIMIT_MS;
    if (peer.everConnected && !peer.connected && over) peer.longOutage = true;
  }
  const everyone = [...byId.values()].filter((peer) => peer !== origin);
  // Where peers ended up, after moves: each receiving peer's parent against the nearest free one.
  const finalRatio: number[] = [];
  for (const peer of live) {
    if (!peer.connected || !peer.parent) continue;
    let best = Infinity;
    for (const other of open) if (other !== peer) best = Math.min(best, baseRtt(peer, other));
    if (Number.isFinite(best)) finalRatio.push(baseRtt(peer, peer.parent) / best);
  }

  return {
    options,
    originId: origin.id,
    originMaxChildren: origin.maxChildren,
    final: live.map((peer) => ({
      id: peer.id,
      parent: peer.parent?.id ?? null,
      maxChildren: peer.maxChildren,
      connected: peer.connected,
    })),
    originChildren: origin.children.size,
    depthFinal: depths(),
    depthAtChurnEnd,
    maxDepthEver: stats.maxDepthEver,
    joinMs: summarize(stats.join),
    repairMs: summarize(stats.repair),
    outageMs: summarize(stats.outage),
    rttRatio: summarize(stats.ratio),
    withinBudgetRttRatio: summarize(stats.withinBudgetRatio),
    rttRatioFinal: summarize(finalRatio),
    moves: stats.moves,
    movesRefused: stats.movesRefused,
    queriesPerJoin: summarize(stats.queriesPerJoin),
    peersEver: everyone.length,
    orphanedOver2s: everyone.filter((peer) => peer.longOutage).length / everyone.length,
    outagesOver2s: stats.outagesOver2s,
    notReceivingAtChurnEnd,
    peakNotReceiving: stats.peakNotReceiving,
    cutOffPerLeave: summarize(stats.cutOff),
    rejects: stats.rejects,
    coordinatorQueries: stats.queries,
    refreshQueries: stats.refreshQueries,
    coordinatorTimeouts: stats.timeouts,
    maxCoordinatorQueueMs: stats.maxQueueMs,
    peakQueriesPerSecond: Math.max(0, ...stats.queriesBySecond.values()),
    treeViewCalls: coordinator.calls,
    offerUsPerCall: (1000 * coordinator.callMs) / Math.max(1, coordinator.calls),
    secondAsks: stats.secondAsks,
    depthBound: Math.ceil(Math.log(options.peers) / Math.log(MEAN_CAPACITY)) + 2,
    events: q.events,
  };
}
