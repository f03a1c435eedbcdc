/** The peer's side of the coordination protocol: ask the origin for candidates, report stats. */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { FramedStream, StreamClosedError } from './framed-stream.js';
import type { ControlMessage, JoinRequest, PeerKind, PeerReport } from './messages.js';
import type { SwarmNode } from './node.js';
import { PROTOCOL } from './protocol.js';
import { raceAbort } from './race-abort.js';

export type Candidates = Extract<ControlMessage, { t: 'candidates' }>;

export class CoordClient {
  private readonly origin: Multiaddr[];
  /**
   * One stream to the origin, kept open, carries every request in turn. A stream per request
   * paid a round trip of protocol negotiation each time (a joiner asks twice, the second time
   * on its critical path), and the origin a stream set-up per report of every peer every 2 s.
   */
  private session: Promise<FramedStream> | undefined;
  /** Requests wait for the one before them: a reply is matched to its request by order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly node: SwarmNode,
    originAddrs: string[],
    private readonly streamId: string,
  ) {
    this.origin = originAddrs.map((addr) => multiaddr(addr));
  }

  /**
   * Dials the origin and opens the session in the background, so a joiner's first request does
   * not wait for either; a failure shows up again on the first request.
   */
  connect(): void {
    this.open().catch(() => undefined);
  }

  /** Closes the session (the peer is stopping). */
  close(): void {
    const session = this.session;
    this.session = undefined;
    void session?.then((framed) => framed.close()).catch(() => undefined);
  }

  /**
   * Asks for candidate parents. `extra.coord` (the joiner's Vivaldi coordinate) gets the nearest;
   * `extra.refresh` says the peer is attached and only re-measuring backups (nothing is reserved).
   */
  async join(
    kind: PeerKind,
    maxChildren: number,
    exclude: string[],
    signal: AbortSignal,
    extra: Pick<JoinRequest, 'coord' | 'refresh'> = {},
  ): Promise<Candidates> {
    const reply = await this.request(
      {
        t: 'join',
        stream: this.streamId,
        kind,
        maxChildren,
        exclude: exclude.slice(-64),
        ...(extra.coord ? { coord: extra.coord } : {}),
        ...(extra.refresh ? { refresh: true } : {}),
      },
      signal,
    );
    if (reply.t === 'error') throw new Error(`origin refused to coordinate: ${reply.message}`);
    if (reply.t !== 'candidates') throw new Error(`unexpected reply ${reply.t} to join`);
    return reply;
  }

  async report(report: PeerReport, signal: AbortSignal): Promise<void> {
    await this.request({ t: 'report', stream: this.streamId, report }, signal);
  }

  private request(message: ControlMessage, signal: AbortSignal): Promise<ControlMessage> {
    const turn = this.queue.then(() => {
      signal.throwIfAborted();
      return this.exchange(message, signal);
    });
    this.queue = turn.catch(() => undefined);
    // The caller stops waiting when its signal aborts, even while queued or dialling.
    return raceAbort(turn, signal);
  }

  /**
   * One request and its reply on the session. Any failure, an abort included, discards the
   * session, since a reply still in flight would otherwise answer the next request; a session
   * that was already open (the origin may have ended it: idle, or restarted) gets one retry on
   * a new one.
   */
  private async exchange(message: ControlMessage, signal: AbortSignal): Promise<ControlMessage> {
    for (let attempt = 0; ; attempt++) {
      const reused = this.session !== undefined;
      const session = this.open(signal);
      const framed = await raceAbort(session, signal);
      try {
        if (!framed.open) throw new StreamClosedError('session closed');
        framed.send({ type: 'control', message });
        const frame = await framed.read(signal);
        if (frame.type !== 'control') throw new Error('origin sent a non-control frame');
        return frame.message;
      } catch (error) {
        framed.abort(error as Error);
        if (this.session === session) this.session = undefined;
        if (reused && attempt === 0 && !signal.aborted) continue;
        throw error;
      }
    }
  }

  private open(signal?: AbortSignal): Promise<FramedStream> {
    if (this.session) return this.session;
    const session = this.node
      .dialProtocol(this.origin, PROTOCOL.coord, signal ? { signal } : {})
      .then((stream) => new FramedStream(stream));
    this.session = session;
    session.catch(() => {
      if (this.session === session) this.session = undefined;
    });
    return session;
  }
}
