/** The page's swarm peer as the stats panel shows it. */
import type { Connection } from '@libp2p/interface';
import type { SwarmPeer } from '../swarm/peer.js';
import type { SwarmViewStats } from './player-stats.js';

export function swarmView(peer: SwarmPeer | undefined, maxChildren: number): SwarmViewStats {
  if (!peer) {
    return {
      joined: false,
      peerId: null,
      parent: null,
      depth: null,
      rttMs: null,
      children: 0,
      maxChildren,
      connections: 0,
      webrtcConnections: 0,
      parentTransport: null,
      bytesUploaded: 0,
    };
  }
  const report = peer.report();
  const parent = peer.parent();
  const connections = peer.node.getConnections();
  // The connection that carries the live stream (there may also be a relayed one to the same peer).
  const parentConnection =
    parent?.transport === 'libp2p'
      ? connections.find((c) => (c.streams as unknown[]).includes(parent.framed.stream))
      : undefined;
  const links = peer.links();
  return {
    joined: true,
    peerId: peer.id,
    parent: parent ? (parent.id === peer.info.peerId ? 'origin' : parent.id) : null,
    depth: parent?.depth ?? null,
    rttMs: parent?.rttMs ?? null,
    children: report.children,
    maxChildren,
    connections: connections.length + links,
    webrtcConnections: connections.filter((c) => transportOf(c) === 'webrtc').length + links,
    parentTransport:
      parent?.transport === 'webrtc'
        ? 'webrtc'
        : parentConnection
          ? transportOf(parentConnection)
          : null,
    bytesUploaded: report.bytesUploaded,
  };
}

function transportOf(connection: Connection): 'webrtc' | 'websockets' | 'relayed' {
  const addr = connection.remoteAddr.toString();
  if (connection.limits || (addr.includes('/p2p-circuit') && !addr.includes('/webrtc'))) {
    return 'relayed';
  }
  return addr.includes('/webrtc') ? 'webrtc' : 'websockets';
}
