/** The simulated origin's coordinator: the real TreeView, behind a cache that gives the same answers. */
import { REPORT_TTL_MS, TreeView } from '../../src/seeder/tree-view.js';
import type { CandidateInfo, PeerReport } from '../../src/swarm/messages.js';
import { CANDIDATE_LIMIT } from './model.js';
import { MinHeap } from './queues.js';
import { pickSome } from './random.js';

export type Offer = Omit<CandidateInfo, 'addrs'>;

interface Mirrored {
  parent: string | null;
  depth: number;
  children: number;
  maxChildren: number;
  seenAt: number;
}

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
export class Coordinator {
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
