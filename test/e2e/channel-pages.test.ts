/**
 * The channel pages in Chromium against a seeder set up with the real CLI (`serve`, `keygen`,
 * `channel create|publish`, `news post`): `/news/<id>` shows the history verified in the page and
 * picks up a new item live; `/updates/<id>` downloads the release through WebTorrent in the page
 * and offers each file only once its length and SHA-256 match the signed manifest.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';
import { startChannel } from '../helpers/channel-cli.js';
import { runCli, type CliProcess } from '../helpers/cli-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'swarmcast-channel-pages-'));
const processes: CliProcess[] = [];
const browsers: Browser[] = [];

afterEach(async () => {
  await Promise.all(browsers.splice(0).map((browser) => browser.close()));
  await Promise.all(processes.splice(0).map((child) => child.stop(3_000)));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function finished(args: string[]): Promise<string> {
  const child = runCli(args);
  processes.push(child);
  const { code } = await child.exited;
  if (code !== 0)
    throw new Error(`swarmcast ${args.slice(0, 2).join(' ')} exited ${code}: ${child.stderr()}`);
  return child.stdout();
}

/** A seeder on loopback with one channel registered on it. */
async function seederWithChannel(name: string) {
  const dir = mkdtempSync(join(scratch, `${name}-`));
  const { seeder, url, id, auth } = await startChannel(dir, name);
  processes.push(seeder);
  return { url, id, dir, auth };
}

async function openPage(
  address: string,
): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const browser = await launchChromium();
  browsers.push(browser);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(address);
  return { browser, page, errors };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('channel pages', () => {
  it('/news/<id> shows the history verified in the page, newest first, and a new item live', async () => {
    const { url, id, auth } = await seederWithChannel('news');
    await finished([
      'news',
      'post',
      'news',
      ...auth,
      'first item',
      '--link',
      'https://example.org/first',
    ]);
    await finished(['news', 'post', 'news', ...auth, 'second item']);

    const { browser, page, errors } = await openPage(`${url}/news/${id}`);
    const items = () =>
      page.$$eval('#news li', (lis) =>
        lis.map((li) => ({
          seq: Number(li.getAttribute('data-seq')),
          text: li.querySelector('.text')?.textContent,
          link: li.querySelector('.link a')?.getAttribute('href') ?? null,
          signer: li.querySelector('.verified')?.getAttribute('data-signer'),
          mark: li.querySelector('.verified')?.textContent,
        })),
      );
    await page.waitForFunction(() => document.querySelectorAll('#news li').length === 2, null, {
      timeout: 15_000,
    });
    expect(await items()).toEqual([
      {
        seq: 2,
        text: 'second item',
        link: null,
        signer: id,
        mark: `✓ verified · key ${id.slice(0, 8)}`,
      },
      {
        seq: 1,
        text: 'first item',
        link: 'https://example.org/first',
        signer: id,
        mark: `✓ verified · key ${id.slice(0, 8)}`,
      },
    ]);
    expect(await page.locator('#refused').isHidden()).toBe(true);
    await page.waitForSelector('#status.live', { timeout: 10_000 });

    // Once the CLI returns the seeder has accepted the item; from then on it is the page's move.
    await finished(['news', 'post', 'news', ...auth, 'third, live']);
    const posted = performance.now();
    await page.waitForFunction(() => document.querySelectorAll('#news li').length === 3, null, {
      timeout: 10_000,
    });
    const liveMs = performance.now() - posted;
    console.log(`news page: a live item appeared ${liveMs.toFixed(0)} ms after it was accepted`);
    const [newest] = await items();
    expect(newest).toMatchObject({ seq: 3, text: 'third, live', signer: id });
    expect(await page.locator('#refused').isHidden()).toBe(true);
    expect(errors).toEqual([]);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/news-page.png', fullPage: true });

    // The page checks for itself: an item altered on the way is refused, not shown.
    const tampered = await browser.newPage();
    await tampered.route(`**/api/channels/${id}/news`, async (route) => {
      const response = await route.fetch();
      const list = (await response.json()) as string[];
      await route.fulfill({
        response,
        json: list.map((text) => text.replace('second item', 'second ITEM')),
      });
    });
    await tampered.goto(`${url}/news/${id}`);
    await tampered.waitForSelector('#refused-list li', { timeout: 15_000 });
    expect(await tampered.$$eval('#news .text', (ps) => ps.map((p) => p.textContent))).toEqual([
      'third, live',
      'first item',
    ]);
    expect(await tampered.getAttribute('#refused-list li', 'data-reason')).toBe('bad-signature');
  }, 90_000);

  it('/updates/<id> downloads the release through WebTorrent and verifies every file', async () => {
    const { url, id, dir, auth } = await seederWithChannel('app');
    const payload = {
      'app.bin': randomBytes(2 * 1024 * 1024 + 4321),
      'readme.txt': Buffer.from(
        'Swarmcast 1.2.0: fetched in the browser, checked in the browser.\n',
      ),
    };
    const files = Object.entries(payload).map(([name, bytes]) => {
      writeFileSync(join(dir, name), bytes);
      return ['--file', join(dir, name)];
    });
    await finished([
      'channel',
      'publish',
      'app',
      ...auth,
      '--version',
      '1.2.0',
      '--notes',
      'first browser release',
      ...files.flat(),
    ]);

    const { page, errors } = await openPage(`${url}/updates/${id}`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 15_000 });
    expect(await page.textContent('#version')).toBe('1.2.0');
    expect(await page.textContent('#notes')).toBe('first browser release');
    expect(await page.getAttribute('#signature .verified', 'data-signer')).toBe(id);
    expect(await page.textContent('#expires')).not.toContain('EXPIRED');
    const rows = () =>
      page.$$eval('#files tbody tr', (trs) =>
        trs.map((tr) => ({
          path: tr.getAttribute('data-path'),
          status: tr.getAttribute('data-status'),
          sha256: tr.querySelector('.sha256')?.textContent,
          save: tr.querySelector('a.save')?.getAttribute('href') ?? null,
        })),
      );
    const expected = Object.entries(payload).map(([path, bytes]) => ({
      path,
      sha256: sha256(bytes),
    }));
    expect(await rows()).toEqual(
      expected.map((file) => ({ ...file, status: 'pending', save: null })),
    );

    const started = performance.now();
    await page.click('#download');
    await page
      .waitForSelector('body[data-state="verified"]', { timeout: 60_000 })
      .catch(async (error: unknown) => {
        console.log('updates page:', await page.textContent('#progress-text'), errors);
        throw error;
      });
    console.log(
      `updates page: ${await page.textContent('#progress-text')} (${(performance.now() - started).toFixed(0)} ms from the click)`,
    );
    const done = await rows();
    for (const [index, row] of done.entries()) {
      expect(row).toMatchObject({ ...expected[index], status: 'verified' });
      expect(row.save).toMatch(/^blob:/);
      // The save link hands out exactly the bytes the test published.
      const saved = await page.evaluate(async (href) => {
        const bytes = await (await fetch(href)).arrayBuffer();
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
        return [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('');
      }, row.save!);
      expect(saved).toBe(expected[index]!.sha256);
    }
    expect(await page.locator('#refused').isHidden()).toBe(true);
    expect(errors).toEqual([]);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/updates-page.png', fullPage: true });
  }, 120_000);

  it('/updates/<id> refuses an expired release, says it may be a freeze, and offers no download', async () => {
    const { url, id, dir, auth } = await seederWithChannel('frozen');
    writeFileSync(join(dir, 'tiny.bin'), randomBytes(1000));
    const file = ['--file', join(dir, 'tiny.bin')];
    await finished([
      'channel',
      'publish',
      'frozen',
      ...auth,
      '--version',
      '0.9.0',
      '--expires',
      '2s',
      ...file,
    ]);
    // Let it expire: the seeder keeps serving it, as a replaying attacker would.
    const release = JSON.parse(await (await fetch(`${url}/api/channels/${id}/release`)).text()) as {
      expires: number;
    };
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, release.expires - Date.now()) + 200),
    );

    const { page, errors } = await openPage(`${url}/updates/${id}`);
    await page.waitForSelector('body[data-state="refused"]', { timeout: 15_000 });
    expect(await page.textContent('#version')).toBe('0.9.0');
    expect(await page.textContent('#expires')).toContain('EXPIRED');
    expect(await page.textContent('#release-refused')).toContain('freeze');
    expect(await page.getAttribute('#refused-list li', 'data-reason')).toBe('expired');
    expect(await page.locator('#download').isHidden()).toBe(true);
    expect(errors).toEqual([]);
  }, 60_000);

  it('/updates/<id> shows a release published while it is open, and announces one that comes after a download', async () => {
    const { url, id, dir, auth } = await seederWithChannel('live');
    const publish = async (version: string) => {
      writeFileSync(join(dir, 'tool.bin'), randomBytes(64 * 1024));
      await finished([
        'channel',
        'publish',
        'live',
        ...auth,
        '--version',
        version,
        '--file',
        join(dir, 'tool.bin'),
      ]);
    };
    const { page, errors } = await openPage(`${url}/updates/${id}`);
    await page.waitForSelector('#status.live', { timeout: 15_000 });
    expect(await page.locator('#nothing').isVisible()).toBe(true);
    // Marks this document: a reload would lose it.
    await page.evaluate(
      () => ((window as unknown as { sameDocument: boolean }).sameDocument = true),
    );

    await publish('1.0.0');
    await page.waitForFunction(() => document.querySelector('#version')?.textContent === '1.0.0', {
      timeout: 15_000,
    });
    await page.waitForSelector('body[data-state="ready"]');
    expect(await page.locator('#nothing').isHidden()).toBe(true);
    expect(await page.getAttribute('#signature .verified', 'data-signer')).toBe(id);

    await page.click('#download');
    await page.waitForSelector('body[data-state="verified"]', { timeout: 60_000 });
    await publish('1.0.1');
    // What the user downloaded stays on screen; the newer release is announced for a reload.
    await page.waitForSelector('#newer[data-version="1.0.1"]', { timeout: 15_000 });
    expect(await page.textContent('#newer')).toContain('Version 1.0.1 is out');
    expect(await page.textContent('#version')).toBe('1.0.0');
    expect(await page.getAttribute('body', 'data-state')).toBe('verified');
    expect(
      await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument),
    ).toBe(true);
    expect(await page.locator('#refused').isHidden()).toBe(true);
    expect(errors).toEqual([]);
  }, 120_000);
});
