/**
 * The libp2p node every peer runs. Transports come from a per-platform module
 * (`transports.node.ts` here; the browser variant arrives with browser peers).
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { circuitRelayServer, type CircuitRelayService } from '@libp2p/circuit-relay-v2';
import { gossipsub, type GossipSub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { PrivateKey } from '@libp2p/interface';
import { ping, type Ping } from '@libp2p/ping';
import { createLibp2p, type Libp2p } from 'libp2p';
import { nodeTransports } from './transports.node.js';

export interface SwarmNodeInit {
  /** Multiaddrs to listen on, e.g. `/ip4/127.0.0.1/tcp/0` and `/ip4/127.0.0.1/tcp/0/ws`. */
  listen: string[];
  /** Addresses to tell others instead of the listen addresses (port forwarding, proxies). */
  announce?: string[];
  /** Run a circuit-relay server (the origin does, for browsers). */
  relayServer?: boolean;
  /**
   * Run gossipsub (channels travel on it). Live-stream peers leave it off: they subscribe to
   * nothing, and its heartbeat and per-connection streams cost a page CPU while it joins.
   * @default true
   */
  gossip?: boolean;
  privateKey?: PrivateKey;
}

/** The services swarm code relies on; the relay server is reached through libp2p itself. */
export type SwarmNode = Libp2p<{ ping: Ping; pubsub?: GossipSub }>;

/**
 * How many peers a relay server (the origin) keeps reachable and connected. Every browser viewer
 * holds a reservation, since a browser can be dialled only through the relay; libp2p's default
 * of 15 would leave the sixteenth viewer unreachable, and so without children.
 */
export const RELAY_SERVER_PEERS = 4096;

export async function createSwarmNode(init: SwarmNodeInit): Promise<SwarmNode> {
  const services = {
    identify: identify(),
    // A join's measurement and a backup refresh may ping the same peer at once.
    ping: ping({ maxOutboundStreams: 4 }),
    ...(init.gossip === false ? {} : { pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }) }),
    ...(init.relayServer
      ? { relay: circuitRelayServer({ reservations: { maxReservations: RELAY_SERVER_PEERS } }) }
      : {}),
  };
  const node = await createLibp2p<{ ping: Ping; pubsub?: GossipSub; relay?: CircuitRelayService }>({
    ...(init.privateKey ? { privateKey: init.privateKey } : {}),
    addresses: {
      listen: init.listen,
      ...(init.announce?.length ? { announce: init.announce } : {}),
    },
    transports: nodeTransports(),
    connectionEncrypters: [noise()],
    // A whole 2 Mb/s segment fits the initial window, so a segment never waits on a window update.
    streamMuxers: [
      yamux({
        streamOptions: {
          initialStreamWindowSize: 1024 * 1024,
          maxStreamWindowSize: 4 * 1024 * 1024,
        },
      }),
    ],
    services,
    connectionManager: init.relayServer
      ? {
          maxConnections: RELAY_SERVER_PEERS + 300,
          // A crowd arrives at once, many of it behind one address (a campus, a carrier NAT);
          // libp2p's defaults (5 a second per address, 10 handshakes at a time) turn it away.
          inboundConnectionThreshold: 200,
          maxIncomingPendingConnections: 200,
        }
      : { maxConnections: 300 },
    // Peers only dial addresses the origin handed out, loopback and LAN ones included (a
    // browser's default would refuse private addresses).
    connectionGater: { denyDialMultiaddr: () => false },
  });
  const relay = node.services.relay;
  if (relay) {
    // libp2p keeps a reservation for its full two hours after the peer has gone; a viewer that
    // left should not hold a slot a new one needs.
    node.addEventListener('peer:disconnect', (event) => relay.reservations.delete(event.detail));
  }
  return node;
}
