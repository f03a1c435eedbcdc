/**
 * Parent choice, poisoning and the HLS edge, over real libp2p on 127.0.0.1. Latency is injected
 * with a delaying TCP proxy that a relay announces as its address; the poisoner is a real swarm
 * peer (in this process) whose outgoing chunks get a byte flipped.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/seeder/free-port.js';
import { startBroadcast } from '../helpers/cli-process.js';
import { startDelayProxy, type DelayProxy } from '../helpers/delay-proxy.js';
import { startPoisoner } from '../helpers/poisoner.js';
import { silentLogger } from '../../src/swarm/logger.js';
import { startSwarmPeer } from '../../src/swarm/peer.js';
import { eventually, getBytes, getText } from '../helpers/http.js';
import { originStats, peerStats, startRelay, type RelayProcess } from '../helpers/swarm.js';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('live peers', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'swarmcast-peers-'));
  const cleanup: (() => Promise<unknown>)[] = [];

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function seeder(maxChildren: number): Promise<string> {
    const { cli, url } = await startBroadcast(['--max-children', String(maxChildren)], dataDir);
    cleanup.push(() => cli.stop());
    await eventually(
      async () => ((await originStats(url)).segmentsPublished > 0 ? true : undefined),
      20_000,
      'the first segment',
    );
    return url;
  }

  async function relay(url: string, args: string[] = []): Promise<RelayProcess> {
    const started = await startRelay(url, args);
    cleanup.push(() => started.cli.stop());
    return started;
  }

  /** A relay that others reach only through a proxy adding `delayMs` each way. */
  async function distantRelay(url: string, delayMs: number): Promise<RelayProcess> {
    const port = await freePort();
    const proxy: DelayProxy = await startDelayProxy(port, delayMs);
    cleanup.push(() => proxy.close());
    return relay(url, ['--port', String(port), '--announce', `/ip4/127.0.0.1/tcp/${proxy.port}`]);
  }

  it('a joining peer attaches to the lower-latency parent among equals', async () => {
    const url = await seeder(2);
    // Both sit at depth 1 with free slots; the distant one joins first, so it is listed first.
    const distant = await distantRelay(url, 40);
    const near = await relay(url);
    // The joiners feed nobody, so the second one chooses between the same two as the first. On
    // one host a first joiner is as near as `near` give or take scheduling noise (0 to 20 ms on a
    // busy machine), and noise is no latency to test by.
    const leaf = ['-v', '--max-children', '0'];
    const joiners = [await relay(url, leaf), await relay(url, leaf)];
    for (const joiner of joiners) {
      // Both were measured (the distant one may answer after the join was decided): it really
      // looked 2 x 40 ms further away.
      const pattern = new RegExp(`candidates[^:]*: .*${distant.id.slice(-8)} d1 ([\\d.]+)ms`);
      const measured = await eventually(
        () => pattern.exec(joiner.cli.stderr()) ?? undefined,
        5_000,
        'the distant relay to be measured',
      );
      expect(Number(measured[1])).toBeGreaterThanOrEqual(80);
      expect(joiner.cli.stderr()).toMatch(new RegExp(`${near.id.slice(-8)} d1`));
      // Usually chosen at once; when the near relay's dial was the slow one, its late answer
      // moves the joiner there (make-before-break) as soon as the join is done.
      const stats = await eventually(
        async () => {
          const stats = await peerStats(url, joiner.id);
          return stats?.parent === near.id ? stats : undefined;
        },
        10_000,
        'the joiner to settle under the near relay',
      ).catch(async (error: Error) => {
        throw new Error(
          `${error.message}; near ${near.id}, distant ${distant.id}; the origin sees ${JSON.stringify(await peerStats(url, joiner.id))}; the joiner said:\n${joiner.cli.stdout()}${joiner.cli.stderr()}`,
        );
      });
      expect(stats.depth).toBe(2);
    }
    expect((await peerStats(url, distant.id))?.children).toBe(0);
  });

  it('an attached peer moves to a clearly nearer parent that frees up, and misses no segment', async () => {
    const url = await seeder(2);
    const distant = await distantRelay(url, 40);
    // Takes the origin's second slot and feeds nobody, so the joiner can only go below `distant`.
    const filler = await relay(url, ['--max-children', '0']);
    const joiner = await relay(url, ['-v']);
    const before = await eventually(
      async () => {
        const stats = await peerStats(url, joiner.id);
        return stats?.parent ? stats : undefined;
      },
      10_000,
      'the joiner to attach',
    );
    expect(before.parent).toBe(distant.id);
    const originId = (await peerStats(url, distant.id))!.parent;

    await filler.cli.stop();
    // The next refresh of its backups (every 6-10 s) finds the origin free and 80 ms nearer.
    await joiner.cli.waitFor(/moving to nearer parent/, 25_000);
    const target = ((await originStats(url)).lastSequence ?? 0) + 2;
    const after = await eventually(
      async () => {
        const stats = await peerStats(url, joiner.id);
        return stats?.parent === originId && (stats.lastSequence ?? -1) >= target
          ? stats
          : undefined;
      },
      15_000,
      'the joiner to receive from the origin',
    );
    expect(after.depth).toBe(1);
    expect(after.missedSegments).toBe(0);
    expect(after.segmentsReceived).toBe(after.lastSequence! - after.firstSequence! + 1);
  });

  it('a relay that flips bytes is detected, never passed on, and dropped; the edge serves only verified bytes', async () => {
    const url = await seeder(2);
    const { peer: poisoner, flipped } = await startPoisoner(url, '/ip4/127.0.0.1/tcp/0');
    cleanup.push(() => poisoner.stop());
    const honest = await distantRelay(url, 40);
    const edgePort = await freePort();
    const victim = await relay(url, ['--serve', String(edgePort), '--max-children', '2']);

    // The victim first chose the nearer poisoner, caught it, and moved to the honest relay.
    await victim.cli.waitFor(/parent \S+ depth 2 rtt [\d.]+ ms \(re-attached/, 15_000);
    expect(victim.cli.stderr()).toMatch(
      /misbehaved \(.*do not match the signed SHA-256\); dropping it for good/,
    );
    expect(flipped()).toBeGreaterThan(0);
    const settled = await eventually(
      async () => {
        const stats = await peerStats(url, victim.id);
        return stats?.parent === honest.id ? stats : undefined;
      },
      10_000,
      'the victim to settle under the honest relay',
    );
    expect(settled.parent).toBe(honest.id);

    // The edge's playlist and every segment in it match the origin byte for byte.
    const target = ((await originStats(url)).lastSequence ?? 0) + 3;
    const playlist = await eventually(
      async () => {
        const { status, text } = await getText(`http://127.0.0.1:${edgePort}/live/main/index.m3u8`);
        const last = Number(
          text
            .match(/^(\d+)\.m4s$/gm)
            ?.at(-1)
            ?.replace('.m4s', '') ?? -1,
        );
        return status === 200 && last >= target ? text : undefined;
      },
      20_000,
      'the edge playlist to reach the live edge',
    );
    const uris = [...playlist.matchAll(/#EXT-X-MAP:URI="([^"]+)"/g)].map((m) => m[1]!);
    uris.push(...(playlist.match(/^\d+\.m4s$/gm) ?? []));
    expect(uris.length).toBeGreaterThanOrEqual(4);
    for (const uri of uris) {
      const fromEdge = await getBytes(`http://127.0.0.1:${edgePort}/live/main/${uri}`);
      const fromOrigin = await getBytes(`${url}/live/main/${uri}`);
      expect(sha(fromEdge), uri).toBe(sha(fromOrigin));
    }
    const stats = await peerStats(url, victim.id);
    expect(stats?.missedSegments).toBe(0);
    // It is not chosen again: still under the honest relay a while later, the poisoner childless.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await peerStats(url, victim.id))?.parent).toBe(honest.id);
    expect(poisoner.report().children).toBe(0);
  });

  it('a first parent sends only what the player does not already hold', async () => {
    const url = await seeder(2);
    await eventually(
      async () => ((await originStats(url)).segmentsPublished >= 4 ? true : undefined),
      20_000,
      'four segments',
    );
    const join = async (heldElsewhere?: () => number | null) => {
      const peer = await startSwarmPeer({
        seeder: url,
        kind: 'relay',
        maxChildren: 0,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        log: silentLogger,
        ...(heldElsewhere ? { heldElsewhere } : {}),
      });
      cleanup.push(() => peer.stop());
      return peer;
    };
    // The player of the first holds everything published so far (it fetched it over HTTP).
    const held = (await originStats(url)).lastSequence!;
    const [player, plain] = await Promise.all([join(() => held), join()]);
    const next = held + 1;
    await eventually(
      () => (player.store.has(next) && plain.store.has(next) ? true : undefined),
      10_000,
      'the next segment at both peers',
    );
    // The plain peer was sent the recent window; the player's peer starts after what it holds.
    expect(plain.store.has(held)).toBe(true);
    expect(player.store.has(held)).toBe(false);
    expect(player.report().bytesFromOrigin).toBeLessThan(plain.report().bytesFromOrigin);
  });
});
