/**
 * The live protocol's defences, on real libp2p nodes in this process (127.0.0.1): a child that
 * stops reading is dropped without holding its siblings back, and garbage on any swarm protocol
 * closes that stream and nothing else.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { LivePublisher } from '../../src/seeder/live-publisher.js';
import { generateKeyPair } from '../../src/seeder/stream-key.js';
import { FramedStream } from '../../src/swarm/framed-stream.js';
import { LiveServer } from '../../src/swarm/live-server.js';
import { silentLogger } from '../../src/swarm/logger.js';
import { createSwarmNode, type SwarmNode } from '../../src/swarm/node.js';
import type { Stream } from '@libp2p/interface';
import { ObjectAssembler } from '../../src/swarm/object-assembler.js';
import { PROTOCOL } from '../../src/swarm/protocol.js';
import { SegmentStore } from '../../src/swarm/segment-store.js';
import { serveFetch } from '../../src/swarm/fetch.js';

const key = generateKeyPair();
const nodes: SwarmNode[] = [];

async function node(): Promise<SwarmNode> {
  const created = await createSwarmNode({ listen: ['/ip4/127.0.0.1/tcp/0'] });
  nodes.push(created);
  return created;
}

afterEach(async () => {
  for (const created of nodes.splice(0)) await created.stop();
});

async function originWithServer(maxQueuedBytes: number) {
  const origin = await node();
  const store = new SegmentStore(30);
  const publisher = new LivePublisher(store, 'main', key);
  const server = new LiveServer({
    node: origin,
    streamId: 'main',
    store,
    maxChildren: () => 4,
    position: () => ({ depth: 0, path: [origin.peerId.toString()] }),
    log: silentLogger,
    backfill: 0,
    maxQueuedBytes,
  });
  await server.start();
  publisher.beginRun(new Uint8Array(1000).fill(7));
  return { origin, store, publisher, server };
}

async function attach(child: SwarmNode, origin: SwarmNode): Promise<FramedStream> {
  const framed = new FramedStream(
    await child.dialProtocol(origin.getMultiaddrs()[0]!, PROTOCOL.live),
  );
  framed.send({
    type: 'control',
    message: { t: 'attach', stream: 'main', kind: 'relay', after: null },
  });
  const reply = await framed.read(AbortSignal.timeout(5_000));
  expect(reply.type === 'control' && reply.message.t).toBe('accept');
  return framed;
}

describe('live protocol defences', () => {
  it('drops a child that stops reading, while its sibling gets every segment', async () => {
    const { origin, publisher, server } = await originWithServer(2 * 1024 * 1024);
    const reader = await attach(await node(), origin);
    const stalled = await attach(await node(), origin);
    (stalled.stream as Stream).pause(); // never reads again
    expect(server.childCount).toBe(2);

    const received: number[] = [];
    const assembler = new ObjectAssembler(key.publicKey, 'main', {
      has: () => false,
      onVerified: (object) => {
        if (object.announcement.kind === 'media') received.push(object.announcement.id);
      },
    });
    const reading = (async () => {
      while (received.length < 12)
        await assembler.handle(await reader.read(AbortSignal.timeout(10_000)));
    })();
    for (let i = 0; i < 12; i++) {
      publisher.append(1, new Uint8Array(1024 * 1024).fill(i));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await reading;
    expect(received).toEqual([...Array(12).keys()]);
    expect(server.childCount).toBe(1);
  });

  it('closes a stream that sends garbage, on every protocol, and keeps serving', async () => {
    const { origin, store, publisher } = await originWithServer(4 * 1024 * 1024);
    await serveFetch(origin, store, () => undefined);
    publisher.append(1, new Uint8Array(5000).fill(1));
    const client = await node();
    const target = origin.getMultiaddrs()[0]!;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(PROTOCOL.live, PROTOCOL.fetch),
        fc.uint8Array({ minLength: 1, maxLength: 4096 }),
        async (protocol, garbage) => {
          const framed = new FramedStream(await client.dialProtocol(target, protocol));
          framed.stream.send(garbage);
          // Half-close, so a truncated frame is known to be truncated rather than slow.
          await framed.stream.close();
          // The server either answers with a refusal or closes; it never hangs or crashes.
          const ended = await framed
            .read(AbortSignal.timeout(3_000))
            .then(
              (frame) =>
                frame.type === 'control' && ['reject', 'missing'].includes(frame.message.t),
            )
            .catch((error: Error) => error.name !== 'TimeoutError');
          framed.abort(new Error('done'));
          expect(ended).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
    // Still serving after all that.
    const reader = await attach(client, origin);
    const frame = await reader.read(AbortSignal.timeout(5_000));
    expect(frame.type).toBe('announce');
  });
});
