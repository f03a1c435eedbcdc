/**
 * Page-to-page WebRTC links, signalled over the connection each page already has to the origin:
 * one offer and one answer (`/swarmcast/signal/1.0.0`). The offer, made ahead of time, carries
 * the caller's host candidates; the answer goes back at once without the callee's, which the
 * caller learns from the callee's connectivity checks. That replaces the circuit-relay route (a relayed connection, its Noise handshake
 * and stream negotiation, then trickled candidates: about six round trips through the origin, each
 * slow on a busy page) with one round trip. The link is one negotiated data channel that carries
 * the live protocol's frames directly. The origin names the caller, so a page trusts a caller's
 * identity only as far as it trusts the origin, which already chooses its parents.
 *
 * Browser only: it needs the platform's RTCPeerConnection.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import type { Connection, Stream } from '@libp2p/interface';
import { FramedStream } from '../framed-stream.js';
import type { Logger } from '../logger.js';
import type { ControlMessage } from '../messages.js';
import type { SwarmNode } from '../node.js';
import { PROTOCOL } from '../protocol.js';
import { DataChannelStream } from './data-channel-stream.js';

export interface RtcLink {
  peerId: string;
  stream: DataChannelStream;
  /** Round-trip time of the connected ICE candidate pair, in ms. */
  rttMs: number;
}

export interface RtcLinksInit {
  node: SwarmNode;
  originId: string;
  log: Logger;
  /** A caller's link is open: hand it to the live server, which reads its attach request. */
  onIncoming: (link: RtcLink) => void;
  /** Whether this page takes children now: a full page refuses a call before any handshake. */
  accepting?: () => boolean;
  /** Incoming handshakes under way at once; more are refused (a flood costs the page little). */
  maxPendingIncoming?: number;
}

/** No STUN or TURN: peers on one network reach each other by host candidates. */
const RTC_CONFIG: RTCConfiguration = { iceServers: [] };
/** The one data channel, created on both sides with the same id: no in-band open handshake. */
const CHANNEL = { negotiated: true, id: 0, ordered: true } as const;
const GATHER_TIMEOUT_MS = 2_000;
const SPARE_OFFERS = 2;
/** After the first ICE candidate, how long the others may still join the SDP. */
const CANDIDATE_GRACE_MS = 40;
const CONNECT_TIMEOUT_MS = 8_000;

export class RtcLinks {
  private readonly peers = new Set<RTCPeerConnection>();
  private pendingIncoming = 0;
  private stopped = false;

  /** Starts gathering ICE candidates for the spare offers at once: a join needs them first. */
  constructor(private readonly init: RtcLinksInit) {
    this.refill();
  }

  /** Links connected now (offers made ahead and handshakes under way are not counted). */
  get size(): number {
    let connected = 0;
    for (const peer of this.peers) if (peer.connectionState === 'connected') connected += 1;
    return connected;
  }

  /**
   * Offers made ahead, their ICE candidates gathered while the page does other things: gathering
   * is most of a handshake's time on a busy page, and a join should not wait for it.
   */
  private readonly spares: Promise<{ peer: RTCPeerConnection; channel: RTCDataChannel }>[] = [];

  private prepareOffer(): Promise<{ peer: RTCPeerConnection; channel: RTCDataChannel }> {
    const peer = this.newPeer();
    const channel = peer.createDataChannel('swarmcast-live', CHANNEL);
    return peer.setLocalDescription().then(() => ({ peer, channel }));
  }

  /** Keeps SPARE_OFFERS offers ready (a first join dials two candidates at once). */
  private refill(): void {
    if (this.stopped) return;
    while (this.spares.length < SPARE_OFFERS) {
      const spare = this.prepareOffer();
      spare.catch(() => undefined);
      this.spares.push(spare);
    }
  }

  async start(): Promise<void> {
    await this.init.node.handle(
      PROTOCOL.signal,
      (stream, connection) => void this.answer(stream, connection),
      { maxInboundStreams: 16 },
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.spares.length = 0;
    await this.init.node.unhandle(PROTOCOL.signal).catch(() => undefined);
    for (const peer of this.peers) peer.close();
    this.peers.clear();
  }

  /** Opens a link to `peerId` through the origin. Rejects if the origin or the peer refuses. */
  async dial(peerId: string, signal: AbortSignal): Promise<RtcLink> {
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(CONNECT_TIMEOUT_MS)]);
    const spare = this.spares.shift() ?? this.prepareOffer();
    this.refill();
    const { peer, channel } = await spare;
    let offeredAt = 0;
    let answeredAt = 0;
    try {
      await gathered(peer, deadline);
      const stream = await this.init.node.dialProtocol(
        peerIdFromString(this.init.originId),
        PROTOCOL.signal,
        { signal: deadline },
      );
      const framed = new FramedStream(stream);
      let reply: ControlMessage;
      try {
        framed.send({
          type: 'control',
          message: { t: 'rtc-offer', peer: peerId, sdp: peer.localDescription!.sdp },
        });
        offeredAt = performance.now();
        const frame = await framed.read(deadline);
        answeredAt = performance.now();
        if (frame.type !== 'control') throw new Error('signalling sent data');
        reply = frame.message;
      } finally {
        framed.abort(new Error('signalling done'));
      }
      if (reply.t === 'error') throw new Error(`signalling refused: ${reply.message}`);
      if (reply.t !== 'rtc-answer') throw new Error(`unexpected ${reply.t} while signalling`);
      await peer.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
      await opened(channel, deadline);
      // Before ICE reports a pair RTT, the signalling round trip (two hops via the origin) is
      // an upper bound on the direct one.
      return await this.link(peerId, peer, channel, answeredAt - offeredAt);
    } catch (error) {
      this.close(peer);
      throw error;
    }
  }

  /** The origin passes on a caller's offer: answer it and, once open, hand the link over. */
  private async answer(stream: Stream, connection: Connection): Promise<void> {
    const framed = new FramedStream(stream);
    // Only the origin may introduce callers: it is the one that says who they are.
    if (connection.remotePeer.toString() !== this.init.originId) {
      framed.abort(new Error('signalling only through the origin'));
      return;
    }
    const refusal =
      this.init.accepting?.() === false
        ? 'full'
        : this.pendingIncoming >= (this.init.maxPendingIncoming ?? 4)
          ? 'busy'
          : undefined;
    if (refusal) {
      framed.send({ type: 'control', message: { t: 'error', message: refusal } });
      await framed.close();
      return;
    }
    this.pendingIncoming += 1;
    const deadline = AbortSignal.timeout(CONNECT_TIMEOUT_MS);
    let peer: RTCPeerConnection | undefined;
    try {
      const frame = await framed.read(deadline);
      if (frame.type !== 'control' || frame.message.t !== 'rtc-offer')
        throw new Error('expected an offer');
      const caller = frame.message.peer;
      peer = this.newPeer();
      await peer.setRemoteDescription({ type: 'offer', sdp: frame.message.sdp });
      // The channel only after the offer: made before it, a stack that negotiates by itself
      // (libdatachannel) makes an offer of its own, then rolls it back with an ICE role conflict.
      const channel = peer.createDataChannel('swarmcast-live', CHANNEL);
      // Answered at once, without waiting for our own candidates: the offer carries the
      // caller's, our connectivity checks reach it, and it learns our address from them.
      await peer.setLocalDescription();
      framed.send({
        type: 'control',
        message: { t: 'rtc-answer', sdp: peer.localDescription!.sdp },
      });
      await framed.close();
      await opened(channel, deadline);
      this.init.onIncoming(await this.link(caller, peer, channel, Infinity));
    } catch (error) {
      this.init.log.debug(`incoming WebRTC link failed: ${(error as Error).message}`);
      framed.abort(error as Error);
      if (peer) this.close(peer);
    } finally {
      this.pendingIncoming -= 1;
    }
  }

  private newPeer(): RTCPeerConnection {
    const peer = new RTCPeerConnection(RTC_CONFIG);
    this.peers.add(peer);
    peer.addEventListener('connectionstatechange', () => {
      if (peer.connectionState === 'failed' || peer.connectionState === 'closed') this.close(peer);
    });
    return peer;
  }

  private async link(
    peerId: string,
    peer: RTCPeerConnection,
    channel: RTCDataChannel,
    fallbackRttMs: number,
  ): Promise<RtcLink> {
    const stream = new DataChannelStream(channel, () => this.close(peer));
    const rttMs = await pairRtt(peer);
    return { peerId, stream, rttMs: Number.isFinite(rttMs) ? rttMs : fallbackRttMs };
  }

  private close(peer: RTCPeerConnection): void {
    if (!this.peers.delete(peer)) return;
    peer.close();
  }
}

/**
 * Resolves once the SDP has candidates worth sending: gathering complete, or a short grace after
 * the first candidate. Waiting for "complete" costs up to a second on a busy page (it waits for
 * every interface and protocol), and a host candidate is all two peers on one network need.
 */
function gathered(peer: RTCPeerConnection, signal: AbortSignal): Promise<void> {
  if (peer.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let timer = setTimeout(done, GATHER_TIMEOUT_MS);
    function cleanup() {
      clearTimeout(timer);
      peer.removeEventListener('icegatheringstatechange', check);
      peer.removeEventListener('icecandidate', onCandidate);
      signal.removeEventListener('abort', aborted);
    }
    function done() {
      cleanup();
      resolve();
    }
    function check() {
      if (peer.iceGatheringState === 'complete') done();
    }
    function onCandidate(event: RTCPeerConnectionIceEvent) {
      if (!event.candidate) return done();
      peer.removeEventListener('icecandidate', onCandidate);
      clearTimeout(timer);
      timer = setTimeout(done, CANDIDATE_GRACE_MS);
    }
    function aborted() {
      cleanup();
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    }
    peer.addEventListener('icegatheringstatechange', check);
    peer.addEventListener('icecandidate', onCandidate);
    signal.addEventListener('abort', aborted, { once: true });
  });
}

function opened(channel: RTCDataChannel, signal: AbortSignal): Promise<void> {
  if (channel.readyState === 'open') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      channel.removeEventListener('open', onOpen);
      channel.removeEventListener('close', onClose);
      signal.removeEventListener('abort', onAbort);
    };
    const onOpen = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new Error('data channel closed before it opened'));
    };
    const onAbort = () => {
      cleanup();
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    channel.addEventListener('open', onOpen);
    channel.addEventListener('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The nominated candidate pair's RTT (from ICE consent checks), in ms. */
async function pairRtt(peer: RTCPeerConnection): Promise<number> {
  try {
    const report = await peer.getStats();
    let rtt = Infinity;
    report.forEach(
      (entry: { type: string; nominated?: boolean; currentRoundTripTime?: number }) => {
        if (entry.type === 'candidate-pair' && entry.nominated && entry.currentRoundTripTime)
          rtt = Math.min(rtt, entry.currentRoundTripTime * 1000);
      },
    );
    return rtt;
  } catch {
    return Infinity;
  }
}
