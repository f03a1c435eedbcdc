/** The peer's side of the coordination protocol: ask the origin for candidates, report stats. */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { FramedStream } from './framed-stream.js';
import type { ControlMessage, JoinRequest, PeerKind, PeerReport } from './messages.js';
import type { SwarmNode } from './node.js';
import { PROTOCOL } from './protocol.js';

export type Candidates = Extract<ControlMessage, { t: 'candidates' }>;

export class CoordClient {
  private readonly origin: Multiaddr[];

  constructor(
    private readonly node: SwarmNode,
    originAddrs: string[],
    private readonly streamId: string,
  ) {
    this.origin = originAddrs.map((addr) => multiaddr(addr));
  }

  /** Dials the origin in the background; a failure shows up again on the first request. */
  connect(): void {
    this.node.dial(this.origin).catch(() => undefined);
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

  private async request(message: ControlMessage, signal: AbortSignal): Promise<ControlMessage> {
    const stream = await this.node.dialProtocol(this.origin, PROTOCOL.coord, { signal });
    const framed = new FramedStream(stream);
    try {
      framed.send({ type: 'control', message });
      const frame = await framed.read(signal);
      if (frame.type !== 'control') throw new Error('origin sent a non-control frame');
      return frame.message;
    } finally {
      await framed.close();
    }
  }
}
