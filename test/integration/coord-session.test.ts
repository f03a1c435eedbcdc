/**
 * The coordination session, over real libp2p on 127.0.0.1: a peer's joins and reports share one
 * stream to the origin, each request gets its own reply even when they overlap, and a session
 * that ends (aborted, or closed by the origin) is replaced without the caller noticing.
 */
import type { Stream } from '@libp2p/interface';
import fc from 'fast-check';
import { multiaddr } from '@multiformats/multiaddr';
import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/seeder/stream-key.js';
import { startSwarmOrigin, type SwarmOrigin } from '../../src/seeder/swarm-origin.js';
import { CoordClient } from '../../src/swarm/coord-client.js';
import { FramedStream } from '../../src/swarm/framed-stream.js';
import { silentLogger } from '../../src/swarm/logger.js';
import type { PeerReport } from '../../src/swarm/messages.js';
import { createSwarmNode, type SwarmNode } from '../../src/swarm/node.js';
import { PROTOCOL } from '../../src/swarm/protocol.js';
import { SegmentStore } from '../../src/swarm/segment-store.js';
import { positionReport } from '../helpers/position-report.js';

const running: { stop(): unknown }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

async function setup(): Promise<{ origin: SwarmOrigin; node: SwarmNode; coord: CoordClient }> {
  const origin = await startSwarmOrigin({
    streamId: 'main',
    store: new SegmentStore(30),
    publicKey: generateKeyPair().publicKey,
    host: '127.0.0.1',
    port: 0,
    maxChildren: 2,
    log: silentLogger,
    onSwarmBytes: () => undefined,
  });
  running.push(origin);
  const node = await createSwarmNode({ listen: ['/ip4/127.0.0.1/tcp/0'] });
  running.push(node);
  const tcp = origin.info().addrs.filter((addr) => !addr.includes('/ws'));
  return { origin, node, coord: new CoordClient(node, tcp, 'main') };
}

const coordStreams = (node: SwarmNode, side: 'outbound' | 'inbound'): Stream[] =>
  node
    .getConnections()
    .flatMap((connection) => connection.streams)
    .filter((stream) => stream.protocol === PROTOCOL.coord && stream.direction === side);

/** A report whose only counter is `segmentsReceived`, to see which report the origin holds. */
const report = (node: SwarmNode, segmentsReceived: number): PeerReport => ({
  ...positionReport({ parent: null, depth: 1, children: 0, maxChildren: 2 }),
  addrs: node.getMultiaddrs().map(String),
  segmentsReceived,
});

const signal = () => AbortSignal.timeout(5_000);

describe('coordination session', () => {
  it('carries every join and report on one stream, each answered in turn', async () => {
    const { origin, node, coord } = await setup();
    coord.connect();
    // Overlapping requests, as a refresh and a report can be: each gets its own reply.
    const replies = await Promise.all([
      coord.join('relay', 2, [], signal()),
      coord.report(report(node, 3), signal()),
      coord.join('relay', 2, [], signal(), { refresh: true }),
      coord.report(report(node, 4), signal()),
    ]);
    expect(replies[0].t).toBe('candidates');
    expect(replies[0].origin.id).toBe(origin.node.peerId.toString());
    expect(replies[2].t).toBe('candidates');
    // The reports arrived, in order: the origin shows the last one.
    const self = origin.peers().find((peer) => peer.id === node.peerId.toString());
    expect(self?.segmentsReceived).toBe(4);
    expect(coordStreams(node, 'outbound')).toHaveLength(1);
    expect(coordStreams(origin.node, 'inbound')).toHaveLength(1);
  });

  it('replaces a session that was aborted mid-request, or that the origin ended', async () => {
    const { origin, node, coord } = await setup();
    await coord.join('relay', 2, [], signal());

    // An abort while the reply is on its way: that reply must not answer the next request.
    const aborted = new AbortController();
    const pending = coord.join('relay', 2, [], aborted.signal);
    aborted.abort(new Error('gave up'));
    await expect(pending).rejects.toThrow('gave up');
    await coord.report(report(node, 7), signal());
    expect(
      origin.peers().find((peer) => peer.id === node.peerId.toString())?.segmentsReceived,
    ).toBe(7);

    // The origin ends the session (as it does after 30 s idle): the next request opens another.
    for (const stream of coordStreams(origin.node, 'inbound')) await stream.close();
    const reply = await coord.join('relay', 2, [], signal());
    expect(reply.t).toBe('candidates');
    expect(coordStreams(node, 'outbound')).toHaveLength(1);
  });

  it('ends a session that sends garbage, and keeps coordinating', async () => {
    const { origin, node, coord } = await setup();
    const target = origin.info().addrs.find((addr) => !addr.includes('/ws'))!;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 4096 }), async (garbage) => {
        const framed = new FramedStream(await node.dialProtocol(multiaddr(target), PROTOCOL.coord));
        framed.stream.send(garbage);
        await framed.stream.close();
        // Closed (a malformed frame, or a truncated one at the half-close) or, for bytes that
        // happen to form a control message, answered; never left hanging.
        const ended = await framed
          .read(AbortSignal.timeout(3_000))
          .then((frame) => frame.type === 'control')
          .catch((error: Error) => error.name !== 'TimeoutError');
        framed.abort(new Error('done'));
        expect(ended).toBe(true);
      }),
      { numRuns: 25 },
    );
    expect((await coord.join('relay', 2, [], signal())).t).toBe('candidates');
  });
});
