/**
 * The parent side of the live protocol, run by the origin and by every peer. Children attach; the
 * server then pushes every object to them: chunks are forwarded the moment they arrive from
 * upstream (cut-through), except each object's last chunk, which waits until the whole object has
 * been verified here, so an honest peer never completes a corrupt object for its children. A child
 * whose send queue grows past the limit is dropped rather than allowed to slow its siblings.
 */
import type { Connection, Stream } from '@libp2p/interface';
import type { ByteStream } from './byte-stream.js';
import { objectKey, type Announcement, type ObjectKind } from './announcement.js';
import { FramedStream } from './framed-stream.js';
import type { Frame } from './frames.js';
import type { Logger } from './logger.js';
import type { ControlMessage, PeerKind } from './messages.js';
import type { SwarmNode } from './node.js';
import { sendChunks, sendWholeObject } from './object-sender.js';
import { PROTOCOL } from './protocol.js';
import type { InitSegment, LiveSegment, SegmentStore } from './segment-store.js';

export interface TreePosition {
  depth: number;
  /** Peer ids from the origin down to this peer, inclusive. */
  path: string[];
}

export interface LiveServerOptions {
  node: SwarmNode;
  streamId: string;
  store: SegmentStore;
  maxChildren: () => number;
  /** Where this peer sits; undefined while it has no parent (it then refuses children). */
  position: () => TreePosition | undefined;
  log: Logger;
  /** Segments sent to a newly attached child that asks for no particular start. @default 3 */
  backfill?: number;
  /** A child whose unsent bytes exceed this is dropped. @default 4 MiB */
  maxQueuedBytes?: number;
  onChildrenChanged?: () => void;
  /** Media bytes sent to children, for upload accounting. */
  onUpload?: (bytes: number) => void;
  /** Fault injection for tests: rewrites every frame sent to children. */
  tamper?: (frame: Frame) => Frame;
}

interface ChildLink {
  id: string;
  kind: PeerKind;
  framed: FramedStream;
  /** Objects announced to this child, with how many bytes of each were sent. */
  streaming: Map<string, number>;
  /** Recently completed objects, so nothing is sent twice. */
  sent: Set<string>;
}

const SENT_MEMORY = 64;
const MAX_BACKFILL_AFTER = 10;

export class LiveServer {
  private readonly children = new Map<string, ChildLink>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly options: LiveServerOptions) {}

  async start(): Promise<void> {
    const { node, store } = this.options;
    await node.handle(PROTOCOL.live, (stream, connection) => this.onAttach(stream, connection), {
      maxInboundStreams: 256,
    });
    this.unsubscribe.push(
      store.onSegment((segment) => this.completed(segment.announcement, segment.bytes)),
      store.onInit((init) => this.completed(init.announcement, init.bytes)),
    );
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    await this.options.node.unhandle(PROTOCOL.live).catch(() => undefined);
    for (const child of this.children.values()) child.framed.abort(new Error('server stopping'));
    this.children.clear();
  }

  get childCount(): number {
    return this.children.size;
  }

  childIds(): string[] {
    return [...this.children.keys()];
  }

  /** Upstream announced an object: tell every child, so chunks can follow at once. */
  announce(announcement: Announcement): void {
    const key = objectKey(announcement.kind, announcement.id);
    for (const child of this.children.values()) {
      if (child.streaming.has(key) || child.sent.has(key)) continue;
      if (!this.send(child, () => child.framed.send({ type: 'announce', announcement }))) continue;
      child.streaming.set(key, 0);
    }
  }

  /** Upstream sent a chunk that is not its object's last: forward it before verification. */
  chunk(announcement: Announcement, offset: number, data: Uint8Array): void {
    const key = objectKey(announcement.kind, announcement.id);
    for (const child of this.children.values()) {
      if (child.streaming.get(key) !== offset) continue;
      const ok = this.send(child, () =>
        child.framed.send({
          type: 'chunk',
          kind: announcement.kind,
          id: announcement.id,
          offset,
          data,
        }),
      );
      if (!ok) continue;
      child.streaming.set(key, offset + data.length);
      this.options.onUpload?.(data.length);
    }
  }

  /** Upstream gave up on an object: tell children that were receiving it. */
  abort(kind: ObjectKind, id: number): void {
    const key = objectKey(kind, id);
    for (const child of this.children.values()) {
      if (!child.streaming.delete(key)) continue;
      this.send(child, () => child.framed.send({ type: 'abort', kind, id }));
    }
  }

  /** Tells children where they now sit, after this peer moved in the tree. */
  positionChanged(): void {
    const position = this.options.position();
    // Between parents the subtree stays put: it waits (it has the same gap to fill as we do)
    // rather than scattering and re-joining all at once.
    if (!position) return;
    for (const child of this.children.values()) {
      if (position.path.includes(child.id)) {
        this.drop(child, 'would form a loop');
        continue;
      }
      this.send(child, () =>
        child.framed.send({
          type: 'control',
          message: { t: 'path', depth: position.depth + 1, path: position.path },
        }),
      );
    }
  }

  dropChild(id: string, reason: string): void {
    const child = this.children.get(id);
    if (child) this.drop(child, reason);
  }

  /** A verified object is in the store: finish it for streaming children, send it whole to the rest. */
  private completed(announcement: Announcement | undefined, bytes: Uint8Array): void {
    if (!announcement) return;
    for (const child of this.children.values()) this.completeFor(child, announcement, bytes);
  }

  /** Finishes the object for a child that was streaming it, or sends it whole if it was not. */
  private completeFor(
    child: ChildLink,
    announcement: Announcement | undefined,
    bytes: Uint8Array,
  ): void {
    if (!announcement) return;
    const key = objectKey(announcement.kind, announcement.id);
    if (child.sent.has(key)) return;
    const offset = child.streaming.get(key);
    const ok = this.send(child, () => {
      const sent =
        offset === undefined
          ? sendWholeObject(child.framed, announcement, bytes)
          : sendChunks(child.framed, announcement, bytes, offset);
      this.options.onUpload?.(sent);
    });
    if (!ok) return;
    child.streaming.delete(key);
    remember(child.sent, key);
  }

  private onAttach(stream: Stream, connection: Connection): Promise<void> {
    return this.acceptChild(stream, connection.remotePeer.toString());
  }

  /**
   * Serves a child on a stream it opened (libp2p), or on a page-to-page WebRTC link whose caller
   * the origin named: reads its attach request, then pushes until it goes.
   */
  async acceptChild(stream: ByteStream, childId: string): Promise<void> {
    const framed = new FramedStream(stream);
    framed.outgoing = this.options.tamper;
    let request: ControlMessage;
    try {
      const frame = await framed.read(AbortSignal.timeout(5_000));
      if (frame.type !== 'control' || frame.message.t !== 'attach')
        throw new Error('expected attach');
      request = frame.message;
    } catch (error) {
      this.options.log.debug(`attach from ${short(childId)} failed: ${(error as Error).message}`);
      framed.abort(error as Error);
      return;
    }
    if (request.t !== 'attach') return;
    const reason = this.refusal(request.stream, childId);
    if (reason) {
      framed.send({ type: 'control', message: { t: 'reject', reason } });
      await framed.close();
      return;
    }
    const position = this.options.position()!;
    const { store } = this.options;
    const sequences = store.sequences();
    framed.send({
      type: 'control',
      message: {
        t: 'accept',
        depth: position.depth + 1,
        path: position.path,
        have: sequences.length ? [sequences[0]!, sequences.at(-1)!] : null,
      },
    });
    const child: ChildLink = {
      id: childId,
      kind: request.kind,
      framed,
      streaming: new Map(),
      sent: new Set(),
    };
    this.children.get(childId)?.framed.abort(new Error('replaced by a new attach'));
    this.children.set(childId, child);
    this.options.log.debug(
      `child ${short(childId)} attached (${this.children.size}/${this.options.maxChildren()})`,
    );
    this.backfill(child, request.after, sequences);
    this.options.onChildrenChanged?.();
    await this.watch(child);
  }

  private refusal(
    stream: string,
    childId: string,
  ): 'full' | 'loop' | 'unknown-stream' | 'refused' | undefined {
    if (stream !== this.options.streamId) return 'unknown-stream';
    const position = this.options.position();
    if (!position) return 'refused';
    if (position.path.includes(childId) || childId === this.options.node.peerId.toString())
      return 'loop';
    if (!this.children.has(childId) && this.children.size >= this.options.maxChildren())
      return 'full';
    return undefined;
  }

  /** Sends the current init and the segments the child is missing, whole. */
  private backfill(child: ChildLink, after: number | null, sequences: number[]): void {
    const { store } = this.options;
    const wanted =
      after === null
        ? sequences.slice(sequences.length - Math.min(sequences.length, this.options.backfill ?? 3))
        : sequences.filter((sequence) => sequence > after).slice(-MAX_BACKFILL_AFTER);
    const inits = new Map<number, InitSegment>();
    const segments: LiveSegment[] = [];
    for (const sequence of wanted) {
      const segment = store.get(sequence);
      if (!segment) continue;
      segments.push(segment);
      const init = store.init(segment.initId);
      if (init) inits.set(init.id, init);
    }
    const latest = store.latestInit();
    if (latest) inits.set(latest.id, latest);
    for (const init of inits.values()) this.completeFor(child, init.announcement, init.bytes);
    for (const segment of segments) this.completeFor(child, segment.announcement, segment.bytes);
  }

  /** Children send nothing after attaching; reading tells us when they go. */
  private async watch(child: ChildLink): Promise<void> {
    try {
      for (;;) await child.framed.read();
    } catch {
      // closed, reset or misbehaving: either way the child is gone
    }
    if (this.children.get(child.id) === child) {
      this.children.delete(child.id);
      this.options.log.debug(`child ${short(child.id)} left`);
      this.options.onChildrenChanged?.();
    }
  }

  /** Runs a send unless the child is too far behind, in which case it is dropped. */
  private send(child: ChildLink, action: () => void): boolean {
    if (!child.framed.open) {
      this.forget(child);
      return false;
    }
    if (child.framed.queuedBytes > (this.options.maxQueuedBytes ?? 4 * 1024 * 1024)) {
      this.drop(child, `too slow (${child.framed.queuedBytes} bytes queued)`);
      return false;
    }
    try {
      action();
      return true;
    } catch (error) {
      this.drop(child, (error as Error).message);
      return false;
    }
  }

  private drop(child: ChildLink, reason: string): void {
    this.options.log.info(`dropping child ${short(child.id)}: ${reason}`);
    child.framed.abort(new Error(reason));
    this.forget(child);
  }

  private forget(child: ChildLink): void {
    if (this.children.get(child.id) === child) {
      this.children.delete(child.id);
      this.options.onChildrenChanged?.();
    }
  }
}

function remember(set: Set<string>, key: string): void {
  set.add(key);
  if (set.size > SENT_MEMORY) set.delete(set.values().next().value!);
}

export const short = (id: string): string => id.slice(-8);
