/** What the origin publishes at `GET /api/swarm` so a peer can join: a contract. */
export interface SwarmInfo {
  stream: string;
  /** The origin's libp2p peer id. */
  peerId: string;
  /** The origin's multiaddrs, each ending in /p2p/<peerId>. */
  addrs: string[];
  /** The stream's ed25519 public key, hex. */
  publicKey: string;
}

export function parseSwarmInfo(value: unknown): SwarmInfo {
  const o = value as Partial<SwarmInfo> | null;
  if (
    !o ||
    typeof o.stream !== 'string' ||
    typeof o.peerId !== 'string' ||
    typeof o.publicKey !== 'string' ||
    !/^[0-9a-f]{64}$/.test(o.publicKey) ||
    !Array.isArray(o.addrs) ||
    o.addrs.length > 32 ||
    !o.addrs.every((addr) => typeof addr === 'string' && addr.length < 512)
  ) {
    throw new Error('the seeder sent malformed swarm information');
  }
  return { stream: o.stream, peerId: o.peerId, addrs: o.addrs, publicKey: o.publicKey };
}
