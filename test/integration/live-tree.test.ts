/**
 * The live tree over real libp2p on 127.0.0.1: a seeder and 20 relay processes, each feeding at
 * most 3 others. Then 5 relays are killed (SIGKILL) mid-stream and the tree must heal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerStats } from '../../src/contracts/stats.js';
import { startBroadcast, type CliProcess } from '../helpers/cli-process.js';
import { eventually } from '../helpers/http.js';
import { originStats, startRelay, type RelayProcess } from '../helpers/swarm.js';

const RELAYS = 20;
const FANOUT = 3;

/** Every segment from the first one a relay received up to its newest, none missing. */
function hasEverySegmentSinceJoin(peer: PeerStats): boolean {
  if (peer.firstSequence === null || peer.lastSequence === null) return false;
  return (
    peer.missedSegments === 0 &&
    peer.segmentsReceived === peer.lastSequence - peer.firstSequence + 1
  );
}

describe('a seeder and 20 relays with --max-children 3', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'swarmcast-tree-'));
  let seeder: CliProcess;
  let url: string;
  const relays: RelayProcess[] = [];
  const joinedAt = new Map<string, number>();

  beforeAll(async () => {
    ({ cli: seeder, url } = await startBroadcast(['--max-children', String(FANOUT)], dataDir));
    await eventually(
      async () => ((await originStats(url)).segmentsPublished > 0 ? true : undefined),
      20_000,
      'the first segment',
    );
    // Join in small concurrent batches, as an audience arrives.
    for (let i = 0; i < RELAYS; i += 4) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(4, RELAYS - i) }, () =>
          startRelay(url, ['--max-children', String(FANOUT), '-v']),
        ),
      );
      const published = (await originStats(url)).lastSequence ?? 0;
      for (const relay of batch) joinedAt.set(relay.id, published);
      relays.push(...batch);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(relays.map((relay) => relay.cli.stop()));
    await seeder?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('builds a shallow tree: the origin feeds at most 3, depth at most ceil(log3 20) + 1', async () => {
    const stats = await eventually(
      async () => {
        const now = await originStats(url);
        return now.peers.length === RELAYS && now.peers.every((peer) => peer.parent !== '')
          ? now
          : undefined;
      },
      20_000,
      'all 20 relays to report a parent',
    );
    const bound = Math.ceil(Math.log(RELAYS) / Math.log(FANOUT)) + 1;
    expect(stats.tree.size).toBe(RELAYS);
    expect(stats.tree.depth).toBeLessThanOrEqual(bound);
    expect(stats.tree.originChildren).toBeLessThanOrEqual(FANOUT);
    expect(stats.peers.filter((peer) => peer.parent === 'origin').length).toBeLessThanOrEqual(
      FANOUT,
    );
    for (const peer of stats.peers) expect(peer.children).toBeLessThanOrEqual(FANOUT);
  });

  it('delivers every segment published after each relay joined, verified, to every relay', async () => {
    const target = ((await originStats(url)).lastSequence ?? 0) + 4;
    const stats = await eventually(
      async () => {
        const now = await originStats(url);
        return now.peers.every((peer) => (peer.lastSequence ?? -1) >= target) ? now : undefined;
      },
      20_000,
      'every relay to reach the live edge',
    );
    for (const peer of stats.peers) {
      expect(peer.firstSequence).toBeLessThanOrEqual(joinedAt.get(peer.id)! + 1);
      expect(hasEverySegmentSinceJoin(peer), JSON.stringify(peer)).toBe(true);
    }
    // The origin pushed into the swarm; relays took most of their bytes from each other.
    expect(stats.originBytes.swarm).toBeGreaterThan(0);
    const fromPeers = stats.peers.reduce((sum, peer) => sum + peer.bytesFromPeers, 0);
    const fromOrigin = stats.peers.reduce((sum, peer) => sum + peer.bytesFromOrigin, 0);
    expect(fromPeers).toBeGreaterThan(fromOrigin);
  });

  it('heals after 5 relays are killed: survivors re-attach within 2 s and miss no segment', async () => {
    const before = await originStats(url);
    // Kill relays that feed others, so the kill actually orphans someone.
    const parents = new Set(before.peers.map((peer) => peer.parent));
    const victims = relays.filter((relay) => parents.has(relay.id)).slice(0, 5);
    while (victims.length < 5) victims.push(relays.find((relay) => !victims.includes(relay))!);
    const victimIds = new Set(victims.map((victim) => victim.id));
    // Each relay's parent as it last said itself: the origin's view is up to a report old, and
    // a relay may have moved to a nearer parent since (make-before-break moves).
    const parentNow = (relay: (typeof relays)[number]) =>
      [...relay.cli.stdout().matchAll(/^parent (\S+) depth/gm)].at(-1)?.[1];
    const orphans = relays.filter(
      (relay) => !victimIds.has(relay.id) && victimIds.has(parentNow(relay) ?? ''),
    );
    expect(orphans.length).toBeGreaterThan(0);
    for (const victim of victims) victim.cli.child.kill('SIGKILL');
    await Promise.all(victims.map((victim) => victim.cli.exited));
    const survivors = relays.filter((relay) => !victimIds.has(relay.id));

    // Each orphan says how long it was without a parent.
    for (const orphan of orphans) {
      const match = await orphan.cli.waitFor(/re-attached (\d+) ms after losing/, 10_000);
      expect(Number(match[1]), orphan.cli.stdout() + orphan.cli.stderr()).toBeLessThan(2_000);
    }
    const target = ((await originStats(url)).lastSequence ?? 0) + 5;
    const stats = await eventually(
      async () => {
        const now = await originStats(url);
        const alive = now.peers.filter((peer) => !victimIds.has(peer.id));
        const ready =
          alive.length === survivors.length &&
          alive.every((peer) => (peer.lastSequence ?? -1) >= target && !victimIds.has(peer.parent));
        return ready ? alive : undefined;
      },
      30_000,
      'the survivors to reach the live edge under live parents',
    );
    for (const peer of stats)
      expect(hasEverySegmentSinceJoin(peer), JSON.stringify(peer)).toBe(true);
    for (const relay of survivors) expect(relay.cli.child.exitCode).toBeNull();
  });
});
