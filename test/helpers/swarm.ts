/** Helpers for swarm tests: real relays as child processes, and the origin's view of them. */
import type { ApiStats, PeerStats } from '../../src/contracts/stats.js';
import { runCli, type CliProcess } from './cli-process.js';
import { getJson } from './http.js';

export interface RelayProcess {
  cli: CliProcess;
  id: string;
}

export async function startRelay(seeder: string, args: string[] = []): Promise<RelayProcess> {
  const cli = runCli(['relay', '--seeder', seeder, '--host', '127.0.0.1', ...args]);
  const match = await cli.waitFor(/relay (\S+) joined stream/, 30_000);
  return { cli, id: match[1]! };
}

export function originStats(seeder: string): Promise<ApiStats> {
  return getJson<ApiStats>(`${seeder}/api/stats`);
}

export async function peerStats(seeder: string, id: string): Promise<PeerStats | undefined> {
  return (await originStats(seeder)).peers.find((peer) => peer.id === id);
}

/** Reads the libp2p TCP port a relay listens on, from the origin's view of its addresses. */
export function tcpPort(addr: string): number {
  const match = /\/tcp\/(\d+)(?:\/p2p\/|$)/.exec(addr);
  if (!match) throw new Error(`no plain TCP port in ${addr}`);
  return Number(match[1]);
}
