/**
 * The origin passes WebRTC offers and answers between pages (`/swarmcast/signal/1.0.0`), over the
 * connections both already hold to it: one round trip through the origin instead of a relayed
 * libp2p connection. It names the caller to the callee, so a page cannot pose as another, and only
 * calls peers it is directly connected to, so it never dials anyone on a page's behalf.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import type { PeerId } from '@libp2p/interface';
import { FramedStream } from '../swarm/framed-stream.js';
import type { Logger } from '../swarm/logger.js';
import type { ControlMessage } from '../swarm/messages.js';
import type { SwarmNode } from '../swarm/node.js';
import { PROTOCOL } from '../swarm/protocol.js';

/** Offers one caller may have under way at once; a page joining dials two at most. */
const MAX_PENDING_PER_CALLER = 4;
const OFFER_TIMEOUT_MS = 5_000;
/** The callee gathers its ICE candidates before it answers. */
const ANSWER_TIMEOUT_MS = 8_000;

export async function startSignalRelay(node: SwarmNode, log: Logger): Promise<() => Promise<void>> {
  const pending = new Map<string, number>();

  const pass = async (caller: string, framed: FramedStream): Promise<ControlMessage> => {
    const frame = await framed.read(AbortSignal.timeout(OFFER_TIMEOUT_MS));
    if (frame.type !== 'control' || frame.message.t !== 'rtc-offer')
      throw new Error('expected an offer');
    const { peer, sdp } = frame.message;
    let callee: PeerId;
    try {
      callee = peerIdFromString(peer);
    } catch {
      return { t: 'error', message: 'not a peer id' };
    }
    if (peer === caller || callee.equals(node.peerId))
      return { t: 'error', message: 'cannot call that peer' };
    if (!node.getConnections(callee).some((connection) => !connection.limits))
      return { t: 'error', message: 'peer not connected' };
    const out = new FramedStream(
      await node.dialProtocol(callee, PROTOCOL.signal, {
        signal: AbortSignal.timeout(OFFER_TIMEOUT_MS),
      }),
    );
    try {
      out.send({ type: 'control', message: { t: 'rtc-offer', peer: caller, sdp } });
      const reply = await out.read(AbortSignal.timeout(ANSWER_TIMEOUT_MS));
      if (reply.type !== 'control') throw new Error('callee sent data');
      if (reply.message.t !== 'rtc-answer' && reply.message.t !== 'error')
        throw new Error(`callee sent ${reply.message.t}`);
      return reply.message;
    } finally {
      out.abort(new Error('signalling done'));
    }
  };

  await node.handle(
    PROTOCOL.signal,
    async (stream, connection) => {
      const caller = connection.remotePeer.toString();
      const framed = new FramedStream(stream);
      const count = pending.get(caller) ?? 0;
      if (count >= MAX_PENDING_PER_CALLER) {
        framed.send({ type: 'control', message: { t: 'error', message: 'too many offers' } });
        await framed.close();
        return;
      }
      pending.set(caller, count + 1);
      try {
        framed.send({ type: 'control', message: await pass(caller, framed) });
        await framed.close();
      } catch (error) {
        log.debug(`signalling from ${caller.slice(-8)} failed: ${(error as Error).message}`);
        framed.abort(error as Error);
      } finally {
        const left = (pending.get(caller) ?? 1) - 1;
        if (left > 0) pending.set(caller, left);
        else pending.delete(caller);
      }
    },
    { maxInboundStreams: 64 },
  );
  return () => node.unhandle(PROTOCOL.signal);
}
