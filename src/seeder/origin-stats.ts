/**
 * The origin's counters: the JSON of `/api/stats` and the same numbers as Prometheus metrics.
 * A registry per seeder, so several seeders can live in one process (tests, embedding).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { ApiStats, IngestStats, PeerStats } from '../contracts/stats.js';

/** A player counts as a viewer while it has fetched the playlist within this window. */
const VIEWER_WINDOW_MS = 10_000;
const MAX_TRACKED_VIEWERS = 100_000;
const MAX_TRACKED_PEERS = 100_000;

export interface OriginStatsSources {
  stream: string;
  segmentsPublished: () => number;
  lastSequence: () => number | null;
  ingest: () => IngestStats;
  peers: () => PeerStats[];
  tree: () => ApiStats['tree'];
}

export class OriginStats {
  readonly registry = new Registry();
  private readonly bytes = { http: 0, swarm: 0 };
  private readonly viewerSeen = new Map<string, number>();
  private readonly startedAt = Date.now();
  private readonly originBytes: Counter<'path'>;
  private readonly peerBytesCounter: Counter;
  /** Each peer's last reported total, so a report adds only what is new. */
  private readonly peerTotals = new Map<string, number>();
  private peerBytes = 0;

  constructor(private readonly sources: OriginStatsSources) {
    this.originBytes = new Counter({
      name: 'swarmcast_origin_bytes_total',
      help: 'Media bytes the origin sent, by path (http or swarm).',
      labelNames: ['path'],
      registers: [this.registry],
    });
    this.peerBytesCounter = new Counter({
      name: 'swarmcast_peer_bytes_total',
      help: 'Media bytes peers received from other peers (not from the origin), from their reports.',
      registers: [this.registry],
    });
    const share = () => this.p2pShare();
    new Gauge({
      name: 'swarmcast_p2p_share',
      help: 'Share of all media bytes served by peers rather than the origin (0..1).',
      registers: [this.registry],
      collect() {
        this.set(share());
      },
    });
    const viewers = () => this.viewers();
    new Gauge({
      name: 'swarmcast_segments_published_total',
      help: 'Media segments published since start.',
      registers: [this.registry],
      collect() {
        this.set(sources.segmentsPublished());
      },
    });
    new Gauge({
      name: 'swarmcast_last_sequence',
      help: 'Sequence number of the newest segment (-1 before the first).',
      registers: [this.registry],
      collect() {
        this.set(sources.lastSequence() ?? -1);
      },
    });
    new Gauge({
      name: 'swarmcast_viewers',
      help: 'Players that fetched the playlist in the last 10 s.',
      registers: [this.registry],
      collect() {
        this.set(viewers());
      },
    });
    new Gauge({
      name: 'swarmcast_peers',
      help: 'Swarm peers reporting to the origin.',
      registers: [this.registry],
      collect() {
        this.set(sources.peers().length);
      },
    });
    new Gauge({
      name: 'swarmcast_tree_depth',
      help: 'Deepest level of the live tree (0 when no peer is attached).',
      registers: [this.registry],
      collect() {
        this.set(sources.tree().depth);
      },
    });
    new Gauge({
      name: 'swarmcast_ingest_restarts',
      help: 'Times the encoder was restarted after dying.',
      registers: [this.registry],
      collect() {
        this.set(sources.ingest().restarts);
      },
    });
    this.originBytes.inc({ path: 'http' }, 0);
    this.originBytes.inc({ path: 'swarm' }, 0);
  }

  countBytes(path: 'http' | 'swarm', count: number): void {
    this.bytes[path] += count;
    this.originBytes.inc({ path }, count);
  }

  /**
   * A peer's running total of bytes from other peers. Totals only grow during a peer's life; a
   * smaller one means it started over, and counts in full.
   */
  notePeerBytes(peerId: string, total: number): void {
    if (!Number.isFinite(total) || total < 0) return;
    const last = this.peerTotals.get(peerId);
    const added = last === undefined || total < last ? total : total - last;
    if (last === undefined && this.peerTotals.size >= MAX_TRACKED_PEERS) {
      // The oldest entry (Maps keep insertion order); its peer most likely left long ago.
      this.peerTotals.delete(this.peerTotals.keys().next().value!);
    }
    this.peerTotals.set(peerId, total);
    this.peerBytes += added;
    this.peerBytesCounter.inc(added);
  }

  p2pShare(): number {
    const all = this.peerBytes + this.bytes.http + this.bytes.swarm;
    return all > 0 ? this.peerBytes / all : 0;
  }

  sawViewer(id: string, now = Date.now()): void {
    if (this.viewerSeen.size >= MAX_TRACKED_VIEWERS) this.forgetIdle(now);
    if (this.viewerSeen.size < MAX_TRACKED_VIEWERS) this.viewerSeen.set(id, now);
  }

  viewers(now = Date.now()): number {
    this.forgetIdle(now);
    return this.viewerSeen.size;
  }

  snapshot(): ApiStats {
    return {
      stream: this.sources.stream,
      segmentsPublished: this.sources.segmentsPublished(),
      lastSequence: this.sources.lastSequence(),
      originBytes: { ...this.bytes },
      peerBytes: this.peerBytes,
      p2pShare: this.p2pShare(),
      viewers: this.viewers(),
      peers: this.sources.peers(),
      tree: this.sources.tree(),
      ingest: this.sources.ingest(),
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
    };
  }

  private forgetIdle(now: number): void {
    for (const [id, seen] of this.viewerSeen) {
      if (now - seen > VIEWER_WINDOW_MS) this.viewerSeen.delete(id);
    }
  }
}
