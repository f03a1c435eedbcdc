/** Starts this page's swarm peer: the same tree member as a relay, on browser transports. */
import { startSwarmPeer, type SwarmPeer } from '../swarm/peer.js';
import { BROWSER_LISTEN } from '../swarm/transports.browser.js';
import type { Logger } from '../swarm/logger.js';

const consoleLog: Logger = {
  info: (message) => console.info(`[swarm] ${message}`),
  warn: (message) => console.warn(`[swarm] ${message}`),
  debug: (message) => console.debug(`[swarm] ${message}`),
};

/** `heldByPlayer`: the newest segment the player has already loaded (over HTTP, before joining). */
export function startBrowserPeer(
  maxChildren: number,
  heldByPlayer: () => number | null,
  viewerId: string,
): Promise<SwarmPeer> {
  return startSwarmPeer({
    seeder: location.origin,
    kind: 'browser',
    maxChildren,
    heldElsewhere: heldByPlayer,
    listen: BROWSER_LISTEN,
    log: consoleLog,
    rtcLinks: true,
    viewerId,
  });
}
