/**
 * bench:tree:sim — the distribution-tree algorithm alone, in one process, over a simulated network.
 * The real TreeView (the origin's coordinator) and rankCandidates (the joiner's choice) drive N
 * simulated peers; what TreeMember, LiveServer and peer.ts do around them (slot limits and loop
 * refusal at the parent, a parentless peer's subtree waiting dark until its silence timeout,
 * backups and their 8 s refresh, failure memory, back-off, timeouts, 2 s reports) is modelled
 * event by event with the same constants, and so is the origin answering joins one at a time.
 * Deterministic for a given seed.
 *
 *   npm run bench:tree:sim -- [--peers 10000] [--minutes 10] [--churn 0.1] [--seed 1]
 *     [--origin-slots 4] [--join-seconds 60] [--silent 0] [--eager-reports] [--settle 30]
 *     [--coord-us-per-entry 0.3] [--what-if-spread] [--verify]
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { REPORT_TTL_MS, TreeView } from '../src/seeder/tree-view.js';
import type { CandidateInfo, PeerReport } from '../src/swarm/messages.js';
import { rankCandidates, type MeasuredCandidate } from '../src/swarm/parent-choice.js';

// ---- Constants mirrored from the real code (tree-member.ts, peer.ts, swarm-origin.ts). ----

const MEASURE_COUNT = 6;
const CANDIDATE_LIMIT = 8;
const PING_TIMEOUT_MS = 2_000;
const ATTACH_TIMEOUT_MS = 3_000;
const SILENCE_MS = 5_000;
const REPORT_INTERVAL_MS = 2_000;
const ORIGIN_EXPIRY_MS = 2_000;
const FIRST_RETRY_MS = 250;
/** TreeMember.measure gives the coordinator (and the pings) this long. */
const JOIN_TIMEOUT_MS = 10_000;
const MAX_RETRY_MS = 2_000;
/** TreeMember remembers a candidate that failed for this long. */
const FAILED_MEMORY_MS = 3_000;
/** While attached, TreeMember re-measures its backups this often (±25 %). */
const REFRESH_MS = 8_000;

// ---- Network model assumptions (libp2p over TCP). ----

/** TCP + Noise + muxer negotiation before the first stream to a new peer. */
const DIAL_RTTS = 3;
/** Opening a stream on an existing connection (protocol negotiation) plus one request/reply. */
const REQUEST_RTTS = 2;
/** RTT from distance: 5 ms next door, about 200 ms across the map with both last miles. */
const MIN_RTT_MS = 5;
const DISTANCE_RTT_MS = 170;
/** Per-peer last-mile delay, so the nearest peer is not simply the closest dot. */
const MAX_ACCESS_MS = 12.5;
/**
 * A parent notices a child that vanished without closing its sockets only when the send queue
 * overflows (4 MiB, about 16 s at 2 Mb/s): until then the slot stays taken.
 */
const SILENT_CHILD_MS = 16_000;
/** Report phases are quantised to this; staleness still averages half the report interval. */
const TICK_MS = 200;
const ORPHAN_LIMIT_MS = 2_000;
/**
 * The origin answers joins one at a time on its event loop. TreeView reuses its snapshot of the
 * tree until a report changes the shape; the first join after such a change rebuilds it, walking
 * every entry: about 0.28 us per entry (2.8 ms at 10,000) on the development machine, against
 * under 0.1 ms for a join served from the snapshot.
 */
const COORDINATOR_FIXED_MS = 0.05;
const DEFAULT_COORDINATOR_US_PER_ENTRY = 0.28;

/** Upload capacity of viewers, as [maxChildren, weight]: a quarter can relay nothing. */
export const CAPACITIES: readonly (readonly [number, number])[] = [
  [0, 0.25],
  [1, 0.15],
  [2, 0.2],
  [3, 0.15],
  [4, 0.12],
  [6, 0.08],
  [8, 0.05],
];

export const MEAN_CAPACITY =
  CAPACITIES.reduce((sum, [slots, weight]) => sum + slots * weight, 0) /
  CAPACITIES.reduce((sum, [, weight]) => sum + weight, 0);

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

type RejectReason = 'full' | 'loop' | 'refused' | 'dead';

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

// ---- Seeded randomness: a 32-bit xorshift, seed scrambled so small seeds differ. ----

function makeRandom(seed: number): () => number {
  let state = (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}

// ---- A binary min-heap (entries ageing out of the view), and the event queue. ----

class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    let i = items.length;
    items.push(item);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.before(item, items[up]!)) break;
      items[i] = items[up]!;
      i = up;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && this.before(items[right]!, items[left]!) ? right : left;
      if (!this.before(items[child]!, last)) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

interface SimEvent {
  at: number;
  seq: number;
  run: () => void;
}

const earlier = (a: SimEvent, b: SimEvent): boolean =>
  a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** Its own heap rather than a MinHeap: tens of millions of events, so the comparison inlines. */
class EventQueue {
  now = 0;
  events = 0;
  private seq = 0;
  private readonly heap: SimEvent[] = [];

  after(delay: number, run: () => void): void {
    const event = { at: this.now + Math.max(0, delay), seq: this.seq++, run };
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!earlier(event, heap[up]!)) break;
      heap[i] = heap[up]!;
      i = up;
    }
    heap[i] = event;
  }

  runUntil(end: number): void {
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.at <= end) {
      const next = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        let i = 0;
        for (;;) {
          const left = 2 * i + 1;
          if (left >= heap.length) break;
          const right = left + 1;
          const child = right < heap.length && earlier(heap[right]!, heap[left]!) ? right : left;
          if (!earlier(heap[child]!, last)) break;
          heap[i] = heap[child]!;
          i = child;
        }
        heap[i] = last;
      }
      this.now = next.at;
      this.events += 1;
      next.run();
    }
    this.now = end;
  }
}

// ---- The coordinator: the real TreeView, behind a cache that gives the same answers. ----

type Offer = Omit<CandidateInfo, 'addrs'>;

interface Mirrored {
  parent: string | null;
  depth: number;
  children: number;
  maxChildren: number;
  seenAt: number;
}

/** Addresses play no part here; one shared, never-written empty list. */
const NO_ADDRS: string[] = [];

/** An id that is never a peer, so "candidates for nobody" bans no one. */
const NOBODY = '\u0000nobody';

/**
 * A retry storm asks thousands of times per simulated second, and every answer walks TreeView's
 * open list (or rebuilds its snapshot, about 3 ms at 10,000 peers). The answers depend only on
 * each entry's parent, depth, children and maxChildren, so this mirrors those (which also tells
 * when the origin pays for a rebuild, and lets expire run only when an entry is due) and asks
 * TreeView afresh only after one of them changed or an entry left. In between, TreeView's own lists for "nobody"
 * with no limit give every open level in its order (two levels per call, the next call banning
 * the levels already listed); a joiner that no entry names as parent is answered by skipping its
 * bans and keeping the first two levels that still have someone, exactly as TreeView would. A
 * joiner that is named as parent bans its reported subtree too, so it gets a direct call.
 * verifyCoordinator checks every answer against a direct call.
 */
class Coordinator {
  readonly view: TreeView;
  calls = 0;
  callMs = 0;
  mismatches = 0;
  private version = 0;
  private builtVersion = -1;
  private levels: Offer[][] = [];
  private readonly levelOf = new Map<string, number>();
  private exhausted = false;
  /** How many entries name each peer as their parent. */
  private readonly namedAsParent = new Map<string, number>();
  private answeredVersion = -1;
  private readonly direct = new Map<string, Offer[]>();
  private readonly mirror = new Map<string, Mirrored>();
  private readonly ageing = new MinHeap<{ id: string; seenAt: number }>(
    (a, b) => a.seenAt < b.seenAt,
  );
  private readonly gone = new Set<string>();

  constructor(
    readonly originId: string,
    originMaxChildren: number,
    private readonly verify: boolean,
    /** Set for the spread what-if: picks from all offers instead of the first eight. */
    private readonly spread: (() => number) | undefined,
  ) {
    this.view = new TreeView(originId, originMaxChildren);
  }

  get size(): number {
    return this.mirror.size;
  }

  report(id: string, report: PeerReport, now: number): void {
    this.view.report(id, report, now);
    const old = this.mirror.get(id);
    if (
      !old ||
      old.parent !== report.parent ||
      old.depth !== report.depth ||
      old.children !== report.children ||
      old.maxChildren !== report.maxChildren
    ) {
      this.version += 1;
    }
    this.named(old?.parent, -1);
    this.named(report.parent, 1);
    this.mirror.set(id, {
      parent: report.parent,
      depth: report.depth,
      children: report.children,
      maxChildren: report.maxChildren,
      seenAt: now,
    });
    if (this.gone.has(id)) this.ageing.push({ id, seenAt: now });
  }

  /** swarm-origin forgets a peer whose connection to it dropped. */
  forget(id: string): void {
    this.view.forget(id);
    const entry = this.mirror.get(id);
    if (!entry) return;
    this.named(entry.parent, -1);
    this.mirror.delete(id);
    this.version += 1;
  }

  /** Whether the next join rebuilds TreeView's snapshot (a report changed the shape since). */
  get stale(): boolean {
    return this.answeredVersion !== this.version;
  }

  /** The peer stopped reporting: its entry now ages out. */
  left(id: string): void {
    this.gone.add(id);
    const entry = this.mirror.get(id);
    if (entry) this.ageing.push({ id, seenAt: entry.seenAt });
  }

  /** TreeView.expire, skipped when no entry is due (it would change nothing). */
  expire(now: number): void {
    let removed = false;
    for (let top = this.ageing.peek(); top && now - top.seenAt > REPORT_TTL_MS;) {
      this.ageing.pop();
      const entry = this.mirror.get(top.id);
      if (entry?.seenAt === top.seenAt) {
        this.named(entry.parent, -1);
        this.mirror.delete(top.id);
        removed = true;
      }
      top = this.ageing.peek();
    }
    if (removed || this.verify) this.view.expire(now);
    if (removed) this.version += 1;
    if (this.verify && this.view.entries().length !== this.mirror.size) this.mismatches += 1;
  }

  /** swarm-origin's answer to a join: itself (by its real child count), then candidates. */
  answer(joiner: string, exclude: string[], originChildren: number, originMax: number): Offer[] {
    if (this.builtVersion !== this.version) this.rebuild();
    this.answeredVersion = this.version;
    const origin: Offer = {
      id: this.originId,
      depth: 0,
      freeSlots: Math.max(0, originMax - originChildren),
    };
    const limit = this.spread ? Infinity : CANDIDATE_LIMIT;
    let offers = this.namedAsParent.has(joiner)
      ? this.directCall(joiner, exclude, limit)
      : this.fromLevels(joiner, exclude, limit);
    if (this.spread) offers = pickSome(offers, CANDIDATE_LIMIT, this.spread);
    else if (this.verify) {
      const truth = this.timed(() => this.view.candidates(joiner, exclude));
      if (JSON.stringify(truth) !== JSON.stringify(offers)) this.mismatches += 1;
    }
    return [origin, ...offers];
  }

  private rebuild(): void {
    this.builtVersion = this.version;
    this.levels = [];
    this.levelOf.clear();
    this.exhausted = false;
    this.direct.clear();
  }

  private named(parent: string | null | undefined, change: number): void {
    if (!parent) return;
    const count = (this.namedAsParent.get(parent) ?? 0) + change;
    if (count > 0) this.namedAsParent.set(parent, count);
    else this.namedAsParent.delete(parent);
  }

  /** The next two open levels, from TreeView itself, banning the levels already listed. */
  private moreLevels(): boolean {
    if (this.exhausted) return false;
    const listed = [...this.levelOf.keys()];
    const next = this.timed(() => this.view.candidates(NOBODY, listed, Infinity));
    if (next.length === 0) this.exhausted = true;
    for (const offer of next) {
      if (this.levels.at(-1)?.[0]?.depth !== offer.depth) this.levels.push([]);
      this.levels.at(-1)!.push(offer);
      this.levelOf.set(offer.id, this.levels.length - 1);
    }
    return next.length > 0;
  }

  private fromLevels(joiner: string, exclude: string[], limit: number): Offer[] {
    const banned = new Set(exclude).add(joiner);
    const offers: Offer[] = [];
    let used = 0;
    for (let level = 0; used < 2; level++) {
      if (level === this.levels.length && !this.moreLevels()) break;
      const members = this.levels[level]!;
      let bannedHere = 0;
      for (const id of banned) if (this.levelOf.get(id) === level) bannedHere += 1;
      // A level its bans empty does not count: TreeView would reach one level deeper.
      if (bannedHere === members.length) continue;
      used += 1;
      for (const offer of members) {
        if (offers.length === limit) break;
        if (!banned.has(offer.id)) offers.push(offer);
      }
    }
    return offers;
  }

  private directCall(joiner: string, exclude: string[], limit: number): Offer[] {
    const key = `${joiner}|${[...exclude].sort().join(',')}`;
    let offers = this.direct.get(key);
    if (!offers) {
      offers = this.timed(() => this.view.candidates(joiner, exclude, limit));
      this.direct.set(key, offers);
    }
    return offers;
  }

  private timed<T>(call: () => T): T {
    const started = performance.now();
    const result = call();
    this.callMs += performance.now() - started;
    this.calls += 1;
    return result;
  }
}

/** `count` distinct random members, in random order. */
function pickSome<T>(items: T[], count: number, random: () => number): T[] {
  if (items.length <= count) return items;
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(random() * items.length));
  return [...picked].map((index) => items[index]!);
}

// ---- Peers. ----

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
  /** Bumped to cancel a running attach loop (on death, attach, or a new loop). */
  loop: number;
  backups: MeasuredCandidate[];
  /** TreeMember's ExpiringSet, as parallel lists (a handful of ids; faster than a Map here). */
  failedIds: string[];
  failedAt: number[];
  retryMs: number;
  coordDialed: boolean;
  queries: number;
  bucket: number;
  liveIndex: number;
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

/** Runs the whole simulation; no I/O, same result for the same options (bar timings). */
export function simulateTree(input: TreeSimOptions): TreeSimResult {
  const options: Required<TreeSimOptions> = {
    originMaxChildren: 4,
    joinWindowMs: 60_000,
    settleMs: 30_000,
    silentLeaveFraction: 0,
    eagerReports: false,
    coordinatorUsPerEntry: DEFAULT_COORDINATOR_US_PER_ENTRY,
    spreadOffers: false,
    verifyCoordinator: false,
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
    shallowRatio: [] as number[],
    queriesPerJoin: [] as number[],
    cutOff: [] as number[],
    rejects: { full: 0, loop: 0, refused: 0, dead: 0 } as Record<RejectReason, number>,
    queries: 0,
    refreshQueries: 0,
    timeouts: 0,
    busyUntil: 0,
    maxQueueMs: 0,
    queriesBySecond: new Map<number, number>(),
    maxDepthEver: 0,
    outagesOver2s: 0,
    notReceiving: 0,
    peakNotReceiving: 0,
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
    loop: 0,
    backups: [],
    failedIds: [],
    failedAt: [],
    retryMs: FIRST_RETRY_MS,
    coordDialed: false,
    queries: 0,
    bucket: Math.floor(random() * buckets.length),
    liveIndex: -1,
  });

  const origin = newPeer('origin', options.originMaxChildren);
  Object.assign(origin, { x: 0.5, y: 0.5, access: 0, connected: true, everConnected: true });
  byId.set(origin.id, origin);
  const coordinator = new Coordinator(
    origin.id,
    options.originMaxChildren,
    options.verifyCoordinator,
    options.spreadOffers ? random : undefined,
  );

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
      for (const child of peer.children) stack.push([child, depth + 1]);
    }
  };

  const reportOf = (peer: SimPeer): PeerReport => ({
    kind: 'relay',
    parent: peer.parent?.id ?? null,
    depth: peer.parent ? peer.depth : 0,
    rttMs: peer.parent ? baseRtt(peer, peer.parent) : 0,
    children: peer.children.size,
    maxChildren: peer.maxChildren,
    segmentsReceived: 0,
    firstSequence: null,
    lastSequence: null,
    missedSegments: 0,
    bytesFromPeers: 0,
    bytesFromOrigin: 0,
    bytesUploaded: 0,
    originLatencyMs: 0,
    originLatencyP95Ms: 0,
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

  /**
   * Asks the origin (which answers joins one at a time), then pings what it offers, `pings`
   * times each and all in parallel; `done` gets the ranked list, or undefined when the 10 s
   * timeout ran out first. `wanted` says whether the asker still cares.
   */
  const measure = (
    peer: SimPeer,
    exclude: string[],
    pings: number,
    delay: number,
    wanted: () => boolean,
    done: (ranked: MeasuredCandidate[] | undefined) => void,
  ) => {
    const rtt = baseRtt(peer, origin);
    const dial = peer.coordDialed ? 0 : DIAL_RTTS;
    peer.coordDialed = true;
    const deadline = q.now + delay + JOIN_TIMEOUT_MS;
    q.after(delay + (dial + REQUEST_RTTS - 0.5) * rtt, () => {
      if (!wanted()) return;
      // A join the client gave up on before its turn costs the origin nothing.
      const start = Math.max(q.now, stats.busyUntil);
      const rebuild = coordinator.stale ? coordinator.size : 0;
      const serviceMs = COORDINATOR_FIXED_MS + (options.coordinatorUsPerEntry * rebuild) / 1000;
      if (start < deadline) stats.busyUntil = start + serviceMs;
      stats.maxQueueMs = Math.max(stats.maxQueueMs, start - q.now);
      const answeredAt = start + serviceMs + rtt / 2;
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
        const offers = coordinator.answer(
          peer.id,
          exclude,
          origin.children.size,
          origin.maxChildren,
        );
        // Liveness is judged when the origin answers, half an RTT before the pings start.
        let longest = 0;
        const measured: MeasuredCandidate[] = [];
        for (const offer of offers) {
          if (measured.length === MEASURE_COUNT + 1) break;
          if (offer.id === peer.id) continue;
          const target = byId.get(offer.id)!;
          const rtt = baseRtt(peer, target);
          let rttMs = Infinity;
          if (!target.alive) {
            longest = Math.max(longest, target.silentLeave ? PING_TIMEOUT_MS : rtt);
          } else {
            const dial = target === origin ? 0 : DIAL_RTTS;
            longest = Math.max(longest, (dial + pings * REQUEST_RTTS) * rtt);
            for (let i = 0; i < pings; i++) rttMs = Math.min(rttMs, sample(rtt));
          }
          const { id, depth, freeSlots } = offer;
          measured.push({ id, addrs: NO_ADDRS, depth, freeSlots, rttMs });
        }
        q.after(answeredAt - q.now + longest, () => done(rankCandidates(measured)));
      };
      // An idle origin answers at once; no event needed for the wait.
      if (start === q.now) serve();
      else q.after(start - q.now, serve);
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
    const next = peer.backups.find((candidate) => !failedNow(peer, candidate.id, at));
    if (next) attempt(peer, loop, next, delay);
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
    measure(peer, exclude, pings, delay, wanted, (ranked) => {
      if (!running(peer, loop)) return;
      if (ranked) {
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

  /** The answer reaches the child `delay` ms later; nothing else reads its loop state meanwhile. */
  const rejected = (peer: SimPeer, loop: number, id: string, why: RejectReason, delay: number) => {
    stats.rejects[why] += 1;
    noteFailed(peer, id, q.now + delay);
    const index = peer.backups.findIndex((backup) => backup.id === id);
    if (index >= 0) peer.backups.splice(index, 1);
    proceed(peer, loop, delay);
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

  const attempt = (peer: SimPeer, loop: number, candidate: MeasuredCandidate, delay: number) => {
    const target = byId.get(candidate.id)!;
    const rtt = baseRtt(peer, target);
    // The parent decides when the attach arrives; the child hears the answer half an RTT later.
    const arrival = delay + (REQUEST_RTTS - 0.5) * rtt;
    q.after(arrival, () => {
      if (!running(peer, loop)) return;
      if (!target.alive) {
        // A crashed host refuses at once; a vanished one is waited out.
        const wait = target.silentLeave ? ATTACH_TIMEOUT_MS - (arrival - delay) : 0;
        rejected(peer, loop, target.id, 'dead', wait);
        return;
      }
      const reason = refusal(target, peer);
      if (reason) rejected(peer, loop, target.id, reason, rtt / 2);
      else attached(peer, target, q.now + rtt / 2);
    });
  };

  const attached = (peer: SimPeer, parent: SimPeer, heardAt: number) => {
    if (parent.connected && !peer.everConnected) noteChoice(peer, parent);
    peer.parent = parent;
    peer.link += 1;
    peer.loop += 1;
    parent.children.add(peer);
    if (peer.lostAt !== undefined) stats.repair.push(heardAt - peer.lostAt);
    peer.lostAt = undefined;
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
    let best = Infinity;
    const shallowest = [Infinity, Infinity];
    for (const other of open) {
      best = Math.min(best, baseRtt(peer, other));
      if (other.depth < shallowest[0]!) shallowest.splice(0, 2, other.depth, shallowest[0]!);
      else if (other.depth > shallowest[0]! && other.depth < shallowest[1]!) {
        shallowest[1] = other.depth;
      }
    }
    let bestShallow = Infinity;
    for (const other of open) {
      if (shallowest.includes(other.depth))
        bestShallow = Math.min(bestShallow, baseRtt(peer, other));
    }
    stats.ratio.push(baseRtt(peer, parent) / best);
    stats.shallowRatio.push(baseRtt(peer, parent) / bestShallow);
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
        () => peer.alive,
        (ranked) => {
          if (!same()) return;
          if (ranked) peer.backups = ranked.filter((candidate) => candidate.id !== parent.id);
          scheduleRefresh(peer);
        },
      );
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
    coordinator.left(peer.id);
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
    shallowRttRatio: summarize(stats.shallowRatio),
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
    coordinatorMismatches: coordinator.mismatches,
    candidatesMsPerCall: coordinator.callMs / Math.max(1, coordinator.calls),
    events: q.events,
  };
}

// ---- CLI. ----

function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function main(): void {
  const { values } = parseArgs({
    options: {
      peers: { type: 'string', default: '10000' },
      minutes: { type: 'string', default: '10' },
      churn: { type: 'string', default: '0.1' },
      seed: { type: 'string', default: '1' },
      'origin-slots': { type: 'string', default: '4' },
      silent: { type: 'string', default: '0' },
      'eager-reports': { type: 'boolean', default: false },
      settle: { type: 'string', default: '30' },
      'join-seconds': { type: 'string', default: '60' },
      'coord-us-per-entry': {
        type: 'string',
        default: String(DEFAULT_COORDINATOR_US_PER_ENTRY),
      },
      'what-if-spread': { type: 'boolean', default: false },
      verify: { type: 'boolean', default: false },
    },
  });
  const started = performance.now();
  const r = simulateTree({
    peers: Number(values.peers),
    minutes: Number(values.minutes),
    churn: Number(values.churn),
    seed: Number(values.seed),
    originMaxChildren: Number(values['origin-slots']),
    silentLeaveFraction: Number(values.silent),
    eagerReports: values['eager-reports'],
    settleMs: Number(values.settle) * 1000,
    joinWindowMs: Number(values['join-seconds']) * 1000,
    coordinatorUsPerEntry: Number(values['coord-us-per-entry']),
    spreadOffers: values['what-if-spread'],
    verifyCoordinator: values.verify,
  });
  const wallMs = performance.now() - started;

  const n = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
  const dist = (name: string, s: Summary, digits = 0) => [
    name,
    n(s.p50, digits),
    n(s.p95, digits),
    n(s.max, digits),
    String(s.count),
  ];
  const one = (name: string, value: string) => [name, value, '', '', ''];
  const o = r.options;
  const notReceiving = r.final.filter((peer) => !peer.connected).length;
  console.log(
    `peers ${o.peers}, minutes ${o.minutes}, churn ${o.churn}/min, seed ${o.seed}, ` +
      `joins over ${o.joinWindowMs / 1000} s, origin slots ${o.originMaxChildren}, silent leavers ${o.silentLeaveFraction}, ` +
      `eager reports ${o.eagerReports}, settle ${o.settleMs / 1000} s, ` +
      `coordinator ${o.coordinatorUsPerEntry} us/entry, mean capacity ${MEAN_CAPACITY.toFixed(2)}` +
      (o.spreadOffers ? ', WHAT-IF: spread offers (not the real TreeView)' : ''),
  );
  console.log(
    formatTable([
      ['metric', 'p50', 'p95', 'max', 'n'],
      dist('depth, final (receiving peers)', r.depthFinal),
      dist('depth, at end of churn', r.depthAtChurnEnd),
      dist('join ms (arrive -> receiving)', r.joinMs),
      dist('coordinator queries per join', r.queriesPerJoin),
      dist('repair ms (loss noticed -> attached)', r.repairMs),
      dist('outage ms (stream lost -> back)', r.outageMs),
      dist('parent RTT / nearest free RTT', r.rttRatio, 2),
      dist('  ... / nearest free in 2 top levels', r.shallowRttRatio, 2),
      dist('receiving peers cut off per leave', r.cutOffPerLeave),
      one('max depth ever', String(r.maxDepthEver)),
      one('peers ever / live at end', `${r.peersEver} / ${r.final.length}`),
      one('peers orphaned > 2 s', `${(100 * r.orphanedOver2s).toFixed(1)} %`),
      one('outages > 2 s', String(r.outagesOver2s)),
      one(
        'not receiving: peak / churn end / final',
        `${r.peakNotReceiving} / ${r.notReceivingAtChurnEnd} / ${notReceiving}`,
      ),
      one('origin children', `${r.originChildren} / ${r.originMaxChildren}`),
      one(
        'attach rejects full/loop/refused/dead',
        `${r.rejects.full}/${r.rejects.loop}/${r.rejects.refused}/${r.rejects.dead}`,
      ),
      one(
        'coordinator answers (peak/s), refreshes',
        `${r.coordinatorQueries} (${r.peakQueriesPerSecond}), ${r.refreshQueries}`,
      ),
      one(
        'coordinator timeouts, longest queue ms',
        `${r.coordinatorTimeouts}, ${r.maxCoordinatorQueueMs.toFixed(0)}`,
      ),
      one(
        'TreeView.candidates calls, ms each',
        `${r.treeViewCalls}, ${r.candidatesMsPerCall.toFixed(2)}`,
      ),
      ...(o.verifyCoordinator
        ? [one('cached answers != TreeView', String(r.coordinatorMismatches))]
        : []),
      one('events', String(r.events)),
      one('wall-clock s', (wallMs / 1000).toFixed(1)),
    ]),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
