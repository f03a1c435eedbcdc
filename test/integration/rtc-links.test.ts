/**
 * Page-to-page links signalled through the origin, over real libp2p nodes on 127.0.0.1 and real
 * WebRTC (node-datachannel stands in for the browser's RTCPeerConnection; see RtcStandIn for the
 * one way it is made to act like one): one offer and one
 * answer through the origin's signal relay, then frames both ways on the data channel.
 */
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { afterEach, describe, expect, it } from 'vitest';
import { startSignalRelay } from '../../src/seeder/signal-relay.js';
import { FramedStream } from '../../src/swarm/framed-stream.js';
import { silentLogger } from '../../src/swarm/logger.js';
import { createSwarmNode, type SwarmNode } from '../../src/swarm/node.js';
import { PROTOCOL } from '../../src/swarm/protocol.js';
import { RtcLinks, type RtcLink } from '../../src/swarm/rtc/rtc-links.js';
import { eventually } from '../helpers/http.js';
import { RtcStandIn } from '../helpers/rtc-stand-in.js';

(globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection ??= RtcStandIn;

describe('page-to-page WebRTC links', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  async function node(): Promise<SwarmNode> {
    const created = await createSwarmNode({ listen: ['/ip4/127.0.0.1/tcp/0'], gossip: false });
    cleanup.push(async () => created.stop());
    return created;
  }

  async function setup(calleeAccepting = true) {
    const origin = await node();
    const stopRelay = await startSignalRelay(origin, silentLogger);
    cleanup.push(stopRelay);
    const originId = origin.peerId.toString();
    const page = async (accepting: boolean) => {
      const peer = await node();
      await peer.dial(origin.getMultiaddrs());
      const incoming: RtcLink[] = [];
      const links = new RtcLinks({
        node: peer,
        originId,
        log: silentLogger,
        onIncoming: (link) => incoming.push(link),
        accepting: () => accepting,
      });
      await links.start();
      cleanup.push(() => links.stop());
      return { peer, links, incoming };
    };
    return { origin, caller: await page(true), callee: await page(calleeAccepting) };
  }

  it('opens a link through the origin, names the caller, and carries frames both ways', async () => {
    const { caller, callee } = await setup();
    const link = await caller.links.dial(
      callee.peer.peerId.toString(),
      AbortSignal.timeout(15_000),
    );
    expect(link.peerId).toBe(callee.peer.peerId.toString());
    expect(Number.isFinite(link.rttMs)).toBe(true);
    await eventually(() => (callee.incoming.length === 1 ? true : undefined), 10_000, 'incoming');
    const answered = callee.incoming[0]!;
    // The callee learns who called from the origin, not from the caller's word.
    expect(answered.peerId).toBe(caller.peer.peerId.toString());

    const out = new FramedStream(link.stream);
    const into = new FramedStream(answered.stream);
    const data = new Uint8Array(60_000).map((_, i) => i % 251);
    out.send({ type: 'chunk', kind: 'media', id: 7, offset: 0, data });
    const frame = await into.read(AbortSignal.timeout(5_000));
    expect(frame.type === 'chunk' && Buffer.from(frame.data).equals(Buffer.from(data))).toBe(true);
    into.send({ type: 'control', message: { t: 'missing' } });
    expect(await out.read(AbortSignal.timeout(5_000))).toEqual({
      type: 'control',
      message: { t: 'missing' },
    });
    // Closing one end ends the other's reads.
    link.stream.abort(new Error('done'));
    await expect(into.read(AbortSignal.timeout(5_000))).rejects.toThrow(/closed/);
  }, 30_000);

  it('a full page refuses before any handshake, and the origin calls only peers it holds', async () => {
    const { caller, callee } = await setup(false);
    await expect(
      caller.links.dial(callee.peer.peerId.toString(), AbortSignal.timeout(15_000)),
    ).rejects.toThrow(/refused: full/);
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString();
    await expect(caller.links.dial(stranger, AbortSignal.timeout(15_000))).rejects.toThrow(
      /not connected/,
    );
    expect(callee.incoming).toHaveLength(0);
  }, 30_000);

  it('a page takes offers only from the origin', async () => {
    const { caller, callee } = await setup();
    // The caller skips the origin and offers straight to the callee, posing as someone else.
    await caller.peer.dial(callee.peer.getMultiaddrs());
    const stream = await caller.peer.dialProtocol(callee.peer.peerId, PROTOCOL.signal);
    const framed = new FramedStream(stream);
    // The callee resets the stream: the offer cannot be sent, or no answer ever comes.
    const answer = (async () => {
      framed.send({ type: 'control', message: { t: 'rtc-offer', peer: 'someone-else', sdp: 'x' } });
      return framed.read(AbortSignal.timeout(5_000));
    })();
    await expect(answer).rejects.toThrow();
    expect(callee.incoming).toHaveLength(0);
  }, 30_000);
});
