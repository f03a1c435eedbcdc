/**
 * The origin's circuit relay over real libp2p on 127.0.0.1: every browser viewer needs a
 * reservation to be dialled at all, so viewers that come and go must never use the slots up.
 * The clients here are Node libp2p nodes that reserve exactly as a page does (listening on
 * /p2p-circuit, reaching the origin over WebSockets).
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { identify } from '@libp2p/identify';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSwarmNode, type SwarmNode } from '../../src/swarm/node.js';
import { eventually } from '../helpers/http.js';

/** A page's view of the relay: reachable once its address has a /p2p-circuit in it. */
async function reservingClient(relayAddr: string): Promise<Libp2p> {
  const client = await createLibp2p({
    addresses: { listen: ['/p2p-circuit'] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    connectionGater: { denyDialMultiaddr: () => false },
  });
  await client.dial(multiaddr(relayAddr));
  return client;
}

const relayed = (client: Libp2p) =>
  client.getMultiaddrs().some((addr) => addr.toString().includes('/p2p-circuit'));

describe("the origin's relay", () => {
  let origin: SwarmNode;
  let relayAddr: string;

  beforeAll(async () => {
    origin = await createSwarmNode({ listen: ['/ip4/127.0.0.1/tcp/0/ws'], relayServer: true });
    relayAddr = origin.getMultiaddrs()[0]!.toString();
  });
  afterAll(async () => {
    await origin?.stop();
  });

  it('keeps giving reservations as viewers come and go, well past libp2p’s default of 15', async () => {
    const reservations = () =>
      (origin.services as { relay?: { reservations: { size: number } } }).relay!.reservations.size;
    for (let i = 0; i < 20; i++) {
      const client = await reservingClient(relayAddr);
      try {
        await eventually(() => (relayed(client) ? true : undefined), 10_000, `reservation ${i}`);
      } finally {
        await client.stop();
      }
      // The slot is free again once the viewer has gone.
      await eventually(() => (reservations() === 0 ? true : undefined), 5_000, 'slot freed');
    }
    // And many at once, more than the default allowed in total.
    const crowd = await Promise.all(Array.from({ length: 18 }, () => reservingClient(relayAddr)));
    try {
      await eventually(
        () => (crowd.every(relayed) ? true : undefined),
        20_000,
        'every client in the crowd reserved',
      );
      expect(reservations()).toBe(18);
    } finally {
      for (const client of crowd) await client.stop();
    }
  });
});
