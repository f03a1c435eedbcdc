/**
 * A real swarm peer (in the test process) that flips a byte in the first chunk of every object
 * it passes on: the misbehaving relay of the poisoning tests.
 */
import { silentLogger } from '../../src/swarm/logger.js';
import { startSwarmPeer, type SwarmPeer } from '../../src/swarm/peer.js';

export interface Poisoner {
  peer: SwarmPeer;
  /** Chunks it has corrupted so far. */
  flipped: () => number;
}

export async function startPoisoner(seeder: string, listen: string): Promise<Poisoner> {
  let flipped = 0;
  const peer = await startSwarmPeer({
    seeder,
    kind: 'relay',
    maxChildren: 3,
    listen: [listen],
    log: silentLogger,
    tamper: (frame) => {
      if (frame.type !== 'chunk' || frame.offset !== 0) return frame;
      const data = frame.data.slice();
      data[data.length >> 1]! ^= 0xff;
      flipped += 1;
      return { ...frame, data };
    },
  });
  return { peer, flipped: () => flipped };
}
