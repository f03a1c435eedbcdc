/**
 * Browser viewers in the swarm: real Chromium pages (two browser processes), real WebRTC between
 * them, a real origin and relays on 127.0.0.1. P2P share is judged from the origin's own counters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PlayerStats } from '../../src/player/player-stats.js';
import { launchChromium } from '../helpers/chromium.js';
import { startBroadcast } from '../helpers/cli-process.js';
import { eventually, getText } from '../helpers/http.js';
import { openPlayer, playerStats, waitForPlayback } from '../helpers/player-page.js';
import { startPoisoner } from '../helpers/poisoner.js';
import { originStats, startRelay } from '../helpers/swarm.js';

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('browser viewers in the swarm', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'swarmcast-viewers-'));
  const browsers: Browser[] = [];
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    browsers.push(await launchChromium(), await launchChromium());
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });
  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function seeder(maxChildren: number): Promise<string> {
    const { cli, url } = await startBroadcast(['--max-children', String(maxChildren)], dataDir);
    cleanup.push(() => cli.stop());
    await eventually(
      async () => ((await originStats(url)).segmentsPublished > 1 ? true : undefined),
      20_000,
      'segments',
    );
    return url;
  }

  async function page(browser: Browser, url: string): Promise<Page> {
    const opened = await openPlayer(browser, url);
    cleanup.push(() => opened.close());
    return opened;
  }

  /**
   * Waits for the page to join the swarm (it does once playback has a buffer to spare), then for
   * `seconds` more of playback, so what it then reports was mostly played from the swarm.
   */
  async function playsJoined(viewer: Page, seconds: number): Promise<PlayerStats> {
    await eventually(
      async () => ((await playerStats(viewer)).swarm.parent ? true : undefined),
      40_000,
      'the page to join the swarm',
    );
    return waitForPlayback(viewer, seconds, 40_000);
  }

  it('six pages play 30 s without stalls, mostly from each other, with browser-to-browser WebRTC', async () => {
    const url = await seeder(2);
    const pages: Page[] = [];
    for (let i = 0; i < 6; i++) {
      pages.push(await page(browsers[i % 2]!, `${url}/`));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const before = await Promise.all(pages.map((p) => waitForPlayback(p, 1, 30_000)));
    const startTimes = before.map((s) => s.currentTime);
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    const after = await Promise.all(pages.map(playerStats));
    const origin = await originStats(url);

    for (const [i, stats] of after.entries()) {
      expect(stats.fatalErrors).toEqual([]);
      expect(stats.currentTime - startTimes[i]!).toBeGreaterThan(27);
      expect(stats.longestStallSeconds, `page ${i} stalled`).toBeLessThanOrEqual(1);
    }
    // Judged by the origin: everything it sent, over HTTP or into the swarm, against what was played.
    const played = sum(after.map((s) => s.bytesLoaded));
    const fromOrigin = origin.originBytes.http + origin.originBytes.swarm;
    expect(1 - fromOrigin / played).toBeGreaterThanOrEqual(0.5);
    expect(origin.tree.originChildren).toBeLessThanOrEqual(2);
    // A page fed by another page, over a direct WebRTC connection, and fed by it for real.
    const browserIds = new Set(origin.peers.filter((p) => p.kind === 'browser').map((p) => p.id));
    const fedByBrowser = after.filter(
      (s) =>
        s.swarm.parent && browserIds.has(s.swarm.parent) && s.swarm.parentTransport === 'webrtc',
    );
    expect(fedByBrowser.length, JSON.stringify(after.map((s) => s.swarm))).toBeGreaterThan(0);
    for (const stats of fedByBrowser) {
      const report = origin.peers.find((p) => p.id === stats.swarm.peerId);
      expect(report?.bytesFromPeers).toBeGreaterThan(0);
    }

    // Churn: close a page that feeds others; its children play on.
    const parentIndex = after.findIndex((s) => s.swarm.children > 0 && s.swarm.parent !== 'origin');
    const victimIndex =
      parentIndex >= 0 ? parentIndex : after.findIndex((s) => s.swarm.children > 0);
    expect(victimIndex).toBeGreaterThanOrEqual(0);
    const victimId = after[victimIndex]!.swarm.peerId;
    const orphans = pages.filter((_, i) => after[i]!.swarm.parent === victimId);
    expect(orphans.length).toBeGreaterThan(0);
    const orphanTimes = await Promise.all(
      orphans.map(async (p) => (await playerStats(p)).currentTime),
    );
    await pages[victimIndex]!.close();
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    for (const [i, orphan] of orphans.entries()) {
      const stats = await playerStats(orphan);
      expect(stats.currentTime - orphanTimes[i]!).toBeGreaterThan(10);
      expect(stats.longestStallSeconds).toBeLessThanOrEqual(2);
      expect(stats.swarm.parent).not.toBe(victimId);
      expect(stats.swarm.parent).not.toBeNull();
    }
    // Its own bound: six joins, 30 s of play and 12 s of churn on two busy cores.
  }, 150_000);

  it('?p2p=0 plays over HTTP and uploads nothing', async () => {
    const url = await seeder(2);
    const viewer = await page(browsers[0]!, `${url}/?p2p=0`);
    const stats = await waitForPlayback(viewer, 5, 40_000);
    expect(stats.swarm.joined).toBe(false);
    expect(stats.bytesFrom.peers).toBe(0);
    expect(stats.swarm.bytesUploaded).toBe(0);
    expect(stats.bytesFrom.http).toBeGreaterThan(0);
    const origin = await originStats(url);
    expect(origin.peers).toEqual([]);
    expect(origin.originBytes.swarm).toBe(0);
  });

  it('a page fed by the origin counts none of it as from peers: panel, stats(), /api/stats, /metrics', async () => {
    const url = await seeder(2);
    const viewer = await page(browsers[0]!, `${url}/`);
    await viewer.setViewportSize({ width: 1280, height: 800 });
    const stats = await eventually(
      async () => {
        const now = await playerStats(viewer);
        return now.swarm.parent === 'origin' && now.bytesFrom.origin > 0 ? now : undefined;
      },
      40_000,
      'the page to play segments the origin pushed to it',
    );
    expect(stats.bytesFrom.peers).toBe(0);
    expect(stats.p2pShare).toBe(0);
    // The panel as a user reads it at 1280 px: the value next to its label, on the same line.
    const row = await eventually(
      () =>
        viewer.evaluate(() => {
          const label = [...document.querySelectorAll('#stats dt')].find(
            (dt) => dt.textContent === 'From peers',
          );
          const value = label?.nextElementSibling;
          if (!label || !value || value.textContent === '–') return undefined;
          const top = (element: Element) => element.getBoundingClientRect().top;
          return { value: value.textContent, sameLine: Math.abs(top(label) - top(value)) < 4 };
        }),
      10_000,
      'the panel to show the share',
    );
    expect(row).toEqual({ value: '0 %', sameLine: true });
    const origin = await originStats(url);
    expect(origin.originBytes.swarm).toBeGreaterThan(0);
    expect(origin.peerBytes).toBe(0);
    expect(origin.p2pShare).toBe(0);
    const { text: metrics } = await getText(`${url}/metrics`);
    expect(metrics).toMatch(/^swarmcast_p2p_share 0$/m);
    expect(metrics).toMatch(/^swarmcast_peer_bytes_total 0$/m);
  });

  it('pages below a Node relay play from it', async () => {
    const url = await seeder(1);
    const relay = await startRelay(url, ['--max-children', '3']);
    cleanup.push(() => relay.cli.stop());
    const first = await page(browsers[0]!, `${url}/`);
    const firstStats = await playsJoined(first, 8);
    // The origin's one slot is the relay's: the first page can only go below it.
    expect(firstStats.swarm.parent).toBe(relay.id);
    expect(firstStats.swarm.parentTransport).toBe('websockets');
    // The second goes below the relay or below the first page, whichever measured nearer (a
    // page link of 4 ms at depth 3 can beat a relay 35 ms away at depth 2): either way it plays
    // from peers, and the origin feeds the relay alone.
    const second = await page(browsers[1]!, `${url}/`);
    const secondStats = await playsJoined(second, 8);
    const pageIds = [firstStats.swarm.peerId, relay.id];
    expect(pageIds).toContain(secondStats.swarm.parent);
    for (const stats of [await playerStats(first), secondStats]) {
      expect(stats.fatalErrors).toEqual([]);
      expect(stats.p2pShare).toBeGreaterThan(0.5);
    }
    const origin = await originStats(url);
    expect(origin.tree.originChildren).toBe(1);
    expect(origin.peers.find((peer) => peer.parent === 'origin')?.id).toBe(relay.id);
  });

  it('a peer that serves corrupt segments to a page is caught: the page refetches, plays on, and drops it', async () => {
    const url = await seeder(1);
    const { peer: poisoner, flipped } = await startPoisoner(url, '/ip4/127.0.0.1/tcp/0/ws');
    cleanup.push(() => poisoner.stop());
    const warnings: string[] = [];
    const viewer = await page(browsers[0]!, `${url}/`);
    viewer.on('console', (message) => warnings.push(message.text()));
    const stats = await waitForPlayback(viewer, 8, 40_000);
    expect(flipped()).toBeGreaterThan(0);
    expect(warnings.join('\n')).toMatch(
      /misbehaved \(.*do not match the signed SHA-256\); dropping it for good/,
    );
    expect(stats.fatalErrors).toEqual([]);
    expect(stats.recoveredErrors).toBe(0); // no corrupt media ever reached the decoder
    expect(stats.swarm.parent).not.toBe(poisoner.id);
    expect(poisoner.report().children).toBe(0);
  });
});
