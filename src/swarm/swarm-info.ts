import { parseControlValue, type ControlMessage } from './messages.js';

export type Offer = Extract<ControlMessage, { t: 'candidates' }>;

/** What the origin publishes at `GET /api/swarm` so a peer can join: a contract. */
export interface SwarmInfo {
  stream: string;
  /** The origin's libp2p peer id. */
  peerId: string;
  /** The origin's multiaddrs, each ending in /p2p/<peerId>. */
  addrs: string[];
  /** The stream's ed25519 public key, hex. */
  publicKey: string;
  /**
   * Candidate parents for a peer joining now, so its first join needs no round trip to the
   * coordinator (a second on a busy origin). A hint: the attach itself decides.
   */
  offer?: Offer;
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
  const info: SwarmInfo = {
    stream: o.stream,
    peerId: o.peerId,
    addrs: o.addrs,
    publicKey: o.publicKey,
  };
  if (o.offer !== undefined) {
    const offer = parseControlValue(o.offer);
    if (offer.t !== 'candidates') throw new Error('the seeder sent malformed swarm information');
    info.offer = offer;
  }
  return info;
}

/** The seeder's `/api/swarm`, checked. */
export async function fetchSwarmInfo(seeder: string): Promise<SwarmInfo> {
  const response = await fetch(new URL('/api/swarm', seeder), {
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok)
    throw new Error(`the seeder at ${seeder} answered ${response.status} for /api/swarm`);
  return parseSwarmInfo(await response.json());
}
