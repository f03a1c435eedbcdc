/** The broadcaster's dashboard draws the live tree that the origin reports, and updates it. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { startBroadcast, type CliProcess } from '../helpers/cli-process.js';
import { eventually } from '../helpers/http.js';
import { openPlayer } from '../helpers/player-page.js';
import { originStats, startRelay, type RelayProcess } from '../helpers/swarm.js';

describe('/dashboard', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'swarmcast-dashboard-'));
  let browser: Browser;
  let seeder: CliProcess;
  let url: string;
  const relays: RelayProcess[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    ({ cli: seeder, url } = await startBroadcast(['--max-children', '1'], dataDir));
    relays.push(await startRelay(url, ['--max-children', '2']));
    relays.push(await startRelay(url, ['--max-children', '2']));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all(relays.map((relay) => relay.cli.stop()));
    await seeder?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('draws every peer, shaped by kind, joined to its parent, and follows changes live', async () => {
    const viewer = await openPlayer(browser, `${url}/`);
    await eventually(
      async () => ((await originStats(url)).tree.size === 3 ? true : undefined),
      20_000,
      'three peers',
    );
    const dashboard = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await dashboard.goto(`${url}/dashboard`);
    const drawn = async () =>
      dashboard.evaluate(() => ({
        relays: document.querySelectorAll('#tree rect[data-peer]').length - 1, // minus the origin
        browsers: document.querySelectorAll('#tree circle[data-peer]').length,
        edges: document.querySelectorAll('#tree line').length,
        depths: [...document.querySelectorAll('#tree [data-depth]')].map((n) =>
          Number(n.getAttribute('data-depth')),
        ),
        figures: document.querySelector('#figures')?.textContent ?? '',
      }));
    const first = await eventually(
      async () => {
        const now = await drawn();
        return now.relays === 2 && now.browsers === 1 ? now : undefined;
      },
      10_000,
      'the tree to be drawn',
    );
    expect(first.edges).toBe(3);
    const stats = await originStats(url);
    expect(Math.max(...first.depths)).toBe(stats.tree.depth);
    expect(first.figures).toContain('Peers in the tree');
    mkdirSync('test-results', { recursive: true });
    await dashboard.screenshot({ path: 'test-results/dashboard.png' });

    // The viewer leaves: the picture follows.
    await viewer.close();
    await eventually(
      async () => ((await drawn()).browsers === 0 ? true : undefined),
      15_000,
      'the browser to disappear',
    );
    const traffic = await dashboard.evaluate(
      () => document.querySelectorAll('#traffic polyline').length,
    );
    expect(traffic).toBe(2);
    await dashboard.close();
  });
});
