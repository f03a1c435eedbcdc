/**
 * A follower's libp2p node, connected to the seeder so gossipsub can form a mesh through it (and
 * on to every other follower the seeder knows).
 */
import { multiaddr } from '@multiformats/multiaddr';
import { createSwarmNode, type SwarmNode } from '../node.js';
import { fetchSwarmInfo } from '../swarm-info.js';

export async function startChannelNode(
  seeder: string | undefined,
  host = '0.0.0.0',
): Promise<SwarmNode> {
  const ip = host.includes(':') ? 'ip6' : 'ip4';
  const node = await createSwarmNode({ listen: [`/${ip}/${host}/tcp/0`] });
  if (seeder) {
    try {
      const info = await fetchSwarmInfo(seeder);
      await node.dial(
        info.addrs.map((addr) => multiaddr(addr)),
        {
          signal: AbortSignal.timeout(10_000),
        },
      );
    } catch {
      // The seeder may be down: the follower still has the DHT and whatever peers it finds.
    }
  }
  return node;
}
