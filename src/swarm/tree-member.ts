/**
 * The child side of the tree: ask the origin for candidate parents, measure the round-trip time
 * to each, attach to the nearest good one, and receive the stream from it. On losing the parent
 * (closed connection, silence, or misbehaviour) re-attach at once to the best backup already
 * measured; only when all backups fail ask the origin again.
 */
import { multiaddr } from '@multiformats/multiaddr';
import type { Candidates, CoordClient } from './coord-client.js';
import { FramedStream } from './framed-stream.js';
import type { TreePosition } from './live-server.js';
import { short } from './live-server.js';
import type { Logger } from './logger.js';
import type { CandidateInfo, ControlMessage, PeerKind } from './messages.js';
import type { SwarmNode } from './node.js';
import { ObjectAssembler, ProtocolViolation, type AssemblerHooks } from './object-assembler.js';
import {
  nearerParent,
  repairCandidates,
  rankCandidates,
  EXPLORE_PEERS,
  OFFER_LIMIT,
  settleWindow,
  SPREAD_LIMIT,
  type MeasuredCandidate,
  type MoveMeasure,
} from './parent-choice.js';
import { CoordinateSamples } from './coordinate-samples.js';
import { PROTOCOL } from './protocol.js';
import { LinkPool, type LinkDial } from './rtc/link-pool.js';
import { isPlaced, roundCoordinate, UNPLACED, type Coordinate } from './vivaldi.js';

export interface ParentLink {
  id: string;
  rttMs: number;
  framed: FramedStream;
  depth: number;
  path: string[];
  attachedAt: number;
  /** The newest sequence the parent held when it accepted us: anything up to it is backfill. */
  backfillUntil: number;
  /** `webrtc`: a page-to-page link signalled through the origin; `libp2p`: a libp2p stream. */
  transport: 'webrtc' | 'libp2p';
}

export interface TreeMemberOptions {
  node: SwarmNode;
  coord: CoordClient;
  streamId: string;
  originId: string;
  publicKey: Uint8Array;
  kind: PeerKind;
  maxChildren: number;
  log: Logger;
  /** Where objects from the parent go (verification happens in the assembler). */
  hooks: AssemblerHooks;
  /** How many children this peer feeds now: a repair with a subtree below goes no deeper. */
  childCount?: () => number;
  /**
   * Pages: opens a direct WebRTC link to another page (signalled through the origin). Candidates
   * only WebRTC reaches are then measured and attached over such links, not through libp2p.
   */
  dialLink?: LinkDial;
  /** Candidates the origin already offered (with `/api/swarm`): the first join starts there. */
  offer?: Candidates;
  /** The newest sequence held, so a new parent can send what was missed. */
  lastSequence: () => number | null;
  onParentChanged: (parent: ParentLink | undefined, repairMs: number | undefined) => void;
  /** Bytes received from the parent (for from-peers / from-origin accounting). */
  onReceived: (bytes: number, fromOrigin: boolean) => void;
}

/**
 * A ping's first answer includes the dial, which for a browser is a WebRTC handshake signalled
 * through the origin: seconds on a busy machine. Cutting it short would only restart it from
 * nothing; waiting costs little, since a join does not wait for the slowest answer.
 */
const PING_TIMEOUT_MS = 5_000;
const ATTACH_TIMEOUT_MS = 5_000;
/** A parent that sends nothing for this long is taken as gone. */
const SILENCE_MS = 5_000;
const FAILED_MEMORY_MS = 3_000;
/**
 * A first join measures at most this many candidates reachable only over WebRTC: each is a
 * handshake signalled through the origin, costing both pages CPU at the moment they can least
 * spare it (a page that is filling its buffer). The rest are measured by the first refresh.
 */
const FIRST_JOIN_WEBRTC_DIALS = 2;
/** A page-to-page RTT assumed before any link was measured (a LAN or a metro path). */
const ESTIMATED_LINK_RTT_MS = 50;
/** How often backups are re-measured while attached (jittered ±25 %); every peer does this, so it is also load on the origin. */
const REFRESH_MS = 8_000;

/**
 * Backups asked at once when a parent is lost or a join starts: after a crash several of them
 * are often gone or orphaned too, and each refusal asked in turn costs a round trip. Pages
 * (links) open at most two at a time: each is a WebRTC handshake.
 */
const PARALLEL_ATTACHES = 7;
const PARALLEL_LINK_ATTACHES = 2;
/** Once one candidate accepted, how long nearer ones still have to accept too. */
const ACCEPT_GRACE_MS = 150;
/** At most one move to a nearer parent in this long: each shifts this peer's whole subtree. */
const MOVE_COOLDOWN_MS = 20_000;

interface Accepted {
  candidate: MeasuredCandidate;
  framed: FramedStream;
  reply: Extract<ControlMessage, { t: 'accept' }>;
  transport: ParentLink['transport'];
}

/** A set whose members drop out `ttlMs` after they were added. */
class ExpiringSet {
  private readonly added = new Map<string, number>();

  constructor(private readonly ttlMs: number) {}

  add(id: string): void {
    this.added.set(id, Date.now());
  }

  has(id: string): boolean {
    const at = this.added.get(id);
    if (at === undefined) return false;
    if (Date.now() - at <= this.ttlMs) return true;
    this.added.delete(id);
    return false;
  }

  values(): string[] {
    return [...this.added.keys()].filter((id) => this.has(id));
  }
}

export class TreeMember {
  private parent: ParentLink | undefined;
  private backups: MeasuredCandidate[] = [];
  private readonly banned = new Set<string>();
  private readonly controller = new AbortController();
  private lostAt: number | undefined;
  /** This peer's depth when it lost its parent, until it is attached again. */
  private lostDepth: number | undefined;
  private attaching: Promise<void> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private firstOffer: Candidates | undefined;
  private everAttached = false;
  private moving = false;
  private movedAt = -Infinity;
  private readonly links: LinkPool | undefined;
  /** This peer's network coordinate, refitted after every round of pings. */
  private coord: Coordinate = UNPLACED;
  private readonly samples = new CoordinateSamples();
  /** The coordinator's depth budget, from its latest offer (a peer below it climbs). */
  private depthBudget = Infinity;

  constructor(private readonly options: TreeMemberOptions) {
    this.firstOffer = options.offer;
    this.links = options.dialLink ? new LinkPool(options.dialLink) : undefined;
  }

  /** Resolves once attached for the first time. */
  async start(): Promise<void> {
    await this.attachSomewhere();
  }

  stop(): void {
    clearTimeout(this.refreshTimer);
    this.controller.abort();
    this.links?.close();
    this.parent?.framed.abort(new Error('stopping'));
    this.parent = undefined;
  }

  get current(): ParentLink | undefined {
    return this.parent;
  }

  position(): TreePosition | undefined {
    const parent = this.parent;
    if (!parent) return undefined;
    return { depth: parent.depth, path: [...parent.path, this.options.node.peerId.toString()] };
  }

  /** This peer's network coordinate (Vivaldi), as sent to the origin with each join. */
  coordinate(): Coordinate {
    return this.coord;
  }

  /** Peers measured as possible parents (nearest first): also good places to fetch gaps from. */
  neighbours(): string[] {
    return this.backups.map((candidate) => candidate.id);
  }

  /** Never choose this peer again (it sent corrupt or malformed data). */
  ban(peerId: string): void {
    this.banned.add(peerId);
    this.backups = this.backups.filter((candidate) => candidate.id !== peerId);
  }

  private attachSomewhere(): Promise<void> {
    this.attaching ??= this.attachLoop().finally(() => (this.attaching = undefined));
    return this.attaching;
  }

  private async attachLoop(): Promise<void> {
    const { signal } = this.controller;
    // Candidates that refused or could not be reached, remembered for a few seconds so the
    // origin's slightly stale view does not send us straight back to them.
    const failed = new ExpiringSet(FAILED_MEMORY_MS);
    let delay = 250;
    let askedOrigin = false;
    while (!signal.aborted) {
      for (;;) {
        if (signal.aborted) return;
        let links = 0;
        const usable = repairCandidates(this.backups, {
          lostDepth: this.lostDepth,
          hasChildren: (this.options.childCount?.() ?? 0) > 0,
          askedOrigin,
        });
        const batch = usable
          .filter((candidate) => !this.banned.has(candidate.id) && !failed.has(candidate.id))
          .filter((candidate) => !this.overLink(candidate) || links++ < PARALLEL_LINK_ATTACHES)
          .slice(0, PARALLEL_ATTACHES);
        if (batch.length === 0) break;
        if (await this.attachFirst(batch, failed)) return;
      }
      try {
        // Repairing: one ping each is enough; speed matters more than the last millisecond.
        const pings = this.lostAt === undefined ? 2 : 1;
        const measured = await this.measure([...failed.values(), ...this.banned], pings, (late) =>
          this.lateAnswers(late, 'score'),
        );
        this.backups = measured.filter((candidate) => !failed.has(candidate.id));
        askedOrigin = true;
        if (this.backups.length > 0) continue;
      } catch (error) {
        if (signal.aborted) return;
        this.options.log.warn(`cannot reach the origin's coordinator: ${(error as Error).message}`);
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 2_000);
    }
  }

  /**
   * Keeps the backups fresh while attached: peers come and go, and a repair should find a live
   * backup at once instead of asking the origin again.
   */
  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    const delay = REFRESH_MS * (0.75 + Math.random() / 2);
    this.refreshTimer = setTimeout(() => void this.refresh(), delay);
  }

  private async refresh(): Promise<void> {
    const parent = this.parent;
    if (!parent || this.attaching || this.controller.signal.aborted) return;
    try {
      const measured = await this.measure(
        [parent.id, ...this.banned],
        1,
        (late) => this.lateAnswers(late, 'rtt'),
        true,
      );
      if (this.parent === parent) {
        this.backups = measured.filter((candidate) => candidate.id !== parent.id);
        void this.moveIfNearer(measured, 'rtt');
      }
    } catch (error) {
      this.options.log.debug(`refreshing backups failed: ${(error as Error).message}`);
    }
    if (this.parent === parent) this.scheduleRefresh();
  }

  private noteBudget(offer: Candidates): void {
    if (offer.depthBudget !== undefined) this.depthBudget = offer.depthBudget;
  }

  private takeFirstOffer(): Candidates | undefined {
    const offer = this.firstOffer;
    this.firstOffer = undefined;
    return offer;
  }

  /**
   * A measurement's stragglers: a candidate that answered after the choice was made may still be
   * the nearest (its dial was slow, not its path). Once any attach in progress is done, they
   * become the backups, and a clearly better one becomes the parent (weighed `by`).
   */
  private lateAnswers(ranked: MeasuredCandidate[], by: MoveMeasure): void {
    void (this.attaching ?? Promise.resolve()).then(() => {
      this.adoptBackups(ranked);
      void this.moveIfNearer(ranked, by);
    });
  }

  /**
   * Make-before-break: attaches to a clearly nearer candidate (`nearerParent`) and only then
   * leaves the current parent, which is why no segment is missed. Never over a page link: there
   * RTTs are estimates, and each link is a handshake. A late answer's one ping also paid for the
   * dial (a TCP or WebSocket handshake, seconds in a busy page), so those are pinged once more,
   * over the connection now open, before they are weighed.
   */
  private async moveIfNearer(ranked: MeasuredCandidate[], by: MoveMeasure): Promise<void> {
    const parent = this.parent;
    if (!parent || this.attaching || this.moving) return;
    if (Date.now() - this.movedAt < MOVE_COOLDOWN_MS) return;
    const current = { rttMs: parent.rttMs, depth: parent.depth - 1 };
    let eligible = ranked.filter(
      (candidate) =>
        candidate.id !== parent.id &&
        candidate.depth <= current.depth &&
        !this.banned.has(candidate.id) &&
        !this.overLink(candidate),
    );
    if (eligible.length === 0) return;
    this.moving = true;
    try {
      if (by === 'score') {
        eligible = rankCandidates(
          await Promise.all(
            eligible.map(async (candidate) => ({
              ...candidate,
              rttMs: Math.min(candidate.rttMs, await this.rtt(candidate.addrs, 1)),
            })),
          ),
        );
      }
      const target = nearerParent(current, eligible, by, this.depthBudget);
      if (!target || this.parent !== parent || this.attaching) return;
      this.movedAt = Date.now();
      const answer = await this.handshake(target).catch((error: Error) => {
        this.options.log.debug(`move to ${short(target.id)} failed: ${error.message}`);
        return undefined;
      });
      if (!answer) return;
      // The candidate's depth came with an offer seconds old; a move never takes us deeper.
      const deeper = answer.reply.depth > parent.depth;
      if (deeper || this.parent !== parent || this.attaching || this.controller.signal.aborted) {
        void answer.framed.close();
        return;
      }
      this.options.log.info(
        `moving to nearer parent ${short(target.id)} (rtt ${parent.rttMs.toFixed(1)} -> ${target.rttMs.toFixed(1)} ms)`,
      );
      this.adopt(answer);
      this.backups = this.backups.filter((candidate) => candidate.id !== target.id);
      parent.framed.abort(new Error('moved to a nearer parent'));
    } finally {
      this.moving = false;
    }
  }

  /** Takes a complete measurement as the backups, once attached (never the parent itself). */
  private adoptBackups(ranked: MeasuredCandidate[]): void {
    const parent = this.parent;
    if (!parent || this.attaching) return;
    this.backups = ranked.filter((candidate) => candidate.id !== parent.id);
  }

  /**
   * Asks the origin for candidates and pings them; returns them ranked nearest first. The
   * request carries this peer's coordinate once it has one, and the origin then offers the
   * nearest free peers. A peer not yet placed (a first join) is offered a random spread instead;
   * it places itself from those pings and asks once more, now for the nearest. `refresh`: only
   * re-measuring backups while attached, so the origin reserves no slots.
   */
  private async measure(
    exclude: string[],
    pings = 2,
    onLate?: (ranked: MeasuredCandidate[]) => void,
    refresh = false,
  ): Promise<MeasuredCandidate[]> {
    const { options } = this;
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(10_000)]);
    const ask = (coord: Coordinate | undefined) =>
      options.coord.join(options.kind, options.maxChildren, exclude, signal, {
        ...(coord ? { coord: roundCoordinate(coord) } : {}),
        refresh,
      });
    const placed = isPlaced(this.coord);
    const reply = this.takeFirstOffer() ?? (await ask(placed ? this.coord : undefined));
    // Pings only to place itself are one each: the nearest come with the second offer. A page
    // chooses from this one round, so it pings twice: the first ping pays for the dial, and its
    // page links are measured once open, so one cold ping would make every relay look far.
    const once = !placed && !refresh && !this.links;
    this.noteBudget(reply);
    const first = await this.measureOffer(reply, once ? 1 : pings, signal, onLate, refresh);
    // A page does not ask twice: each round would cost it WebRTC handshakes while it is still
    // filling its buffer. Its coordinate, learnt from this round, serves its refreshes.
    if (placed || refresh || !isPlaced(this.coord) || this.links) return first;
    // Twice each (together, once dialled): one ping on a busy host can read 5 to 10 ms where
    // the path is under 1; with a depth penalty of 1 ms a level, that noise alone would pick
    // parents a level deeper.
    const nearOffer = await ask(this.coord);
    this.noteBudget(nearOffer);
    const near = await this.measureOffer(nearOffer, pings, signal, onLate);
    const ids = new Set(near.map((candidate) => candidate.id));
    return rankCandidates([...near, ...first.filter((candidate) => !ids.has(candidate.id))]);
  }

  /**
   * Pings an offer's candidates all at once, learns this peer's coordinate from the answers, and
   * ranks them. It does not wait for the slowest: once one candidate has answered, the others
   * get `settleWindow` more. Reaching a browser means a WebRTC dial (a second or more on a
   * busy machine, or a timeout), and a candidate that answers that much later than the first is
   * not the nearest. The stragglers' results still arrive, through `onLate`, for the backups.
   */
  private async measureOffer(
    reply: Candidates,
    pings: number,
    signal: AbortSignal,
    onLate?: (ranked: MeasuredCandidate[]) => void,
    refresh = false,
  ): Promise<MeasuredCandidate[]> {
    const { options } = this;
    const self = options.node.peerId.toString();
    // A page chooses from its first round and does not ask again: it is not placing itself.
    const placing = !isPlaced(this.coord) && !this.links;
    const started = Date.now();
    let webrtcDials = 0;
    const list = [reply.origin, ...reply.candidates]
      .filter(
        (candidate, index, all) => all.findIndex((other) => other.id === candidate.id) === index,
      )
      .filter((candidate) => candidate.id !== self && !this.banned.has(candidate.id))
      .slice(0, 1 + (placing ? SPREAD_LIMIT : OFFER_LIMIT) + (refresh ? EXPLORE_PEERS : 0))
      .filter(
        (candidate) =>
          this.everAttached || !webrtcOnly(candidate) || webrtcDials++ < FIRST_JOIN_WEBRTC_DIALS,
      );
    const measured: MeasuredCandidate[] = [];
    /** Pages whose RTT was estimated, not measured: they teach the coordinate nothing. */
    const estimated = new Set<string>();
    let firstAnswer: (elapsedMs: number) => void = () => undefined;
    const answered = new Promise<number>((resolve) => (firstAnswer = resolve));
    const all = Promise.all(
      list.map(async (candidate) => {
        if (this.overLink(candidate) && this.everAttached) estimated.add(candidate.id);
        const rttMs = this.overLink(candidate)
          ? await this.linkRtt(candidate.id, signal)
          : await this.rtt(candidate.addrs, pings);
        measured.push({ ...candidate, rttMs });
        if (Number.isFinite(rttMs) && candidate.freeSlots > 0) firstAnswer(Date.now() - started);
      }),
    );
    // A refresh is in no hurry, and its far answers (the explorers) are what keep the
    // coordinate whole: it waits for every answer (each ping has its own timeout).
    await Promise.race([
      all,
      ...(refresh
        ? []
        : [
            answered.then(
              (elapsed) =>
                new Promise((resolve) => setTimeout(resolve, settleWindow(elapsed, placing))),
            ),
          ]),
    ]);
    const samples = measured.flatMap(({ id, coord, rttMs }) =>
      coord && Number.isFinite(rttMs) && !estimated.has(id) ? [{ id, coord, rttMs }] : [],
    );
    this.coord = this.samples.learn(samples);
    const ranked = rankCandidates(measured);
    const describe = (list: MeasuredCandidate[]) =>
      list.map((c) => `${short(c.id)} d${c.depth} ${c.rttMs.toFixed(1)}ms`).join(', ') || 'none';
    options.log.debug(
      `candidates: ${describe(ranked)} (${measured.length} of ${list.length} answered)`,
    );
    if (onLate && measured.length < list.length) {
      void all.then(() => {
        const late = rankCandidates(measured);
        options.log.debug(`candidates, all answered: ${describe(late)}`);
        onLate(late);
      });
    }
    return ranked;
  }

  /** Whether this candidate is reached over a page-to-page link rather than libp2p. */
  private overLink(candidate: CandidateInfo): boolean {
    return this.links !== undefined && webrtcOnly(candidate);
  }

  /**
   * A first join opens the link (kept for the attach) and takes the pair's RTT. Later
   * measurements (backups, repairs) would cost a handshake per candidate every refresh, so they
   * estimate instead: the current parent's RTT, with depth left to decide between pages.
   */
  private async linkRtt(peerId: string, signal: AbortSignal): Promise<number> {
    if (this.everAttached) return this.parent?.rttMs ?? ESTIMATED_LINK_RTT_MS;
    try {
      return (await this.links!.open(peerId, signal)).rttMs;
    } catch (error) {
      this.options.log.debug(`no link to ${short(peerId)}: ${(error as Error).message}`);
      return Infinity;
    }
  }

  /**
   * The best of `pings` pings, so one scheduling hiccup does not decide the tree. The connection
   * is dialled first and the pings then go out together: each ping opens a stream, and in turn
   * they cost a round trip of protocol negotiation and one of ping apiece (in `bench:tree:sim`
   * the second ping in turn was a tenth of a join's time).
   */
  private async rtt(addrs: string[], pings: number): Promise<number> {
    const targets = addrs.map((addr) => multiaddr(addr));
    const started = Date.now();
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(PING_TIMEOUT_MS)]);
    const { node } = this.options;
    const noAnswer = (error: Error) => {
      this.options.log.debug(
        `no answer in ${Date.now() - started} ms from ${addrs.at(-1) ?? '(no address)'}: ${error.message}`,
      );
      return Infinity;
    };
    try {
      await node.dial(targets, { signal });
    } catch (error) {
      return noAnswer(error as Error);
    }
    const answers = await Promise.allSettled(
      Array.from({ length: Math.max(1, pings) }, () =>
        node.services.ping.ping(targets, { signal }),
      ),
    );
    const times = answers.flatMap((answer) =>
      answer.status === 'fulfilled' ? [answer.value] : [],
    );
    if (times.length === 0) return noAnswer((answers[0] as PromiseRejectedResult).reason as Error);
    return Math.min(...times);
  }

  /**
   * Asks every candidate in `batch` at once (ranked, nearest first) and adopts the best that
   * accepts: once one has accepted, the others get ACCEPT_GRACE_MS more, then the highest-ranked
   * yes wins. Every other yes is left again at once. Those that fail are remembered in `failed`.
   */
  private async attachFirst(batch: MeasuredCandidate[], failed: ExpiringSet): Promise<boolean> {
    const answers: (Accepted | undefined | null)[] = batch.map(() => null);
    let someoneAccepted: () => void = () => undefined;
    const accepted = new Promise<void>((resolve) => (someoneAccepted = resolve));
    // Decided early when the nearest still in the running has said yes.
    let decide: () => void = () => undefined;
    const decided = new Promise<void>((resolve) => (decide = resolve));
    const check = () => {
      const first = answers.find((answer) => answer !== undefined);
      if (first) decide();
    };
    const attempts = batch.map((candidate, index) =>
      this.handshake(candidate).then(
        (answer) => {
          answers[index] = answer;
          someoneAccepted();
          check();
          return answer;
        },
        (error: unknown) => {
          answers[index] = undefined;
          check();
          failed.add(candidate.id);
          this.backups = this.backups.filter((backup) => backup.id !== candidate.id);
          this.options.log.debug(
            `attach to ${short(candidate.id)} failed: ${(error as Error).message}`,
          );
          return undefined;
        },
      ),
    );
    await Promise.race([
      Promise.all(attempts),
      decided,
      accepted.then(() => sleep(ACCEPT_GRACE_MS, this.controller.signal)),
    ]);
    const best = this.controller.signal.aborted ? -1 : answers.findIndex((answer) => answer);
    if (best >= 0) this.adopt(answers[best]!);
    attempts.forEach((attempt, index) => {
      if (index !== best) void attempt.then((answer) => answer?.framed.close());
    });
    return best >= 0;
  }

  /** Dials a candidate and asks to attach; resolves once it accepted. */
  private async handshake(candidate: MeasuredCandidate): Promise<Accepted> {
    const { node } = this.options;
    const signal = AbortSignal.any([
      this.controller.signal,
      AbortSignal.timeout(ATTACH_TIMEOUT_MS),
    ]);
    const transport = this.overLink(candidate) ? 'webrtc' : 'libp2p';
    const stream =
      transport === 'webrtc'
        ? (await this.links!.take(candidate.id, signal)).stream
        : await node.dialProtocol(
            candidate.addrs.map((addr) => multiaddr(addr)),
            PROTOCOL.live,
            { signal },
          );
    const framed = new FramedStream(stream);
    try {
      framed.send({
        type: 'control',
        message: {
          t: 'attach',
          stream: this.options.streamId,
          kind: this.options.kind,
          after: this.options.lastSequence(),
        },
      });
      const frame = await framed.read(signal);
      if (frame.type !== 'control') throw new Error('parent sent data before accepting');
      const reply = frame.message;
      if (reply.t === 'reject') throw new Error(`rejected: ${reply.reason}`);
      if (reply.t !== 'accept') throw new Error(`unexpected ${reply.t}`);
      if (reply.path.includes(node.peerId.toString())) throw new Error('would form a loop');
      return { candidate, framed, reply, transport };
    } catch (error) {
      framed.abort(error as Error);
      throw error;
    }
  }

  /** Makes an accepted candidate the parent and starts reading from it. */
  private adopt({ candidate, framed, reply, transport }: Accepted): void {
    const repairMs = this.lostAt === undefined ? undefined : Date.now() - this.lostAt;
    this.lostAt = undefined;
    this.lostDepth = undefined;
    this.everAttached = true;
    this.parent = {
      id: candidate.id,
      rttMs: candidate.rttMs,
      framed,
      depth: reply.depth,
      path: reply.path,
      attachedAt: Date.now(),
      backfillUntil: reply.have?.[1] ?? -1,
      transport,
    };
    this.options.onParentChanged(this.parent, repairMs);
    void this.receive(this.parent);
    this.scheduleRefresh();
  }

  /** Reads the parent's stream until it ends, then finds a new parent. */
  private async receive(parent: ParentLink): Promise<void> {
    const fromOrigin = parent.id === this.options.originId;
    const assembler = new ObjectAssembler(
      this.options.publicKey,
      this.options.streamId,
      this.options.hooks,
    );
    let reason = 'closed';
    try {
      for (;;) {
        const frame = await parent.framed.read(
          AbortSignal.any([this.controller.signal, AbortSignal.timeout(SILENCE_MS)]),
        );
        if (frame.type === 'control') {
          if (frame.message.t !== 'path')
            throw new ProtocolViolation(`unexpected ${frame.message.t} from parent`);
          if (frame.message.path.includes(this.options.node.peerId.toString()))
            throw new Error('parent moved below us');
          parent.depth = frame.message.depth;
          parent.path = frame.message.path;
          this.options.onParentChanged(parent, undefined);
          continue;
        }
        if (frame.type === 'chunk') this.options.onReceived(frame.data.length, fromOrigin);
        await assembler.handle(frame);
      }
    } catch (error) {
      reason = (error as Error).message;
      if (error instanceof ProtocolViolation || (error as Error).name === 'WireError') {
        this.options.log.warn(
          `parent ${short(parent.id)} misbehaved (${reason}); dropping it for good`,
        );
        this.ban(parent.id);
      }
    }
    parent.framed.abort(new Error(reason));
    if (this.parent !== parent || this.controller.signal.aborted) return;
    this.parent = undefined;
    this.lostAt = Date.now();
    this.lostDepth = parent.depth;
    this.backups = this.backups.filter((candidate) => candidate.id !== parent.id);
    this.options.log.info(`lost parent ${short(parent.id)} (${reason}); re-attaching`);
    this.options.onParentChanged(undefined, undefined);
    await this.attachSomewhere();
  }
}

/** A candidate only a WebRTC dial reaches (a browser): the costly kind to measure. */
function webrtcOnly(candidate: CandidateInfo): boolean {
  return candidate.addrs.length > 0 && candidate.addrs.every((addr) => addr.includes('/webrtc'));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
