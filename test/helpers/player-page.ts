/** Drives the real player page in Chromium and reads what a viewer would see. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { PlayerStats } from '../../src/player/player-stats.js';

export async function openPlayer(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  await page.goto(url);
  return page;
}

export function playerStats(page: Page): Promise<PlayerStats> {
  return page.evaluate(() => window.swarmcast.stats());
}

/** Waits until playback has moved `seconds` past the first moment it was seen playing. */
export async function waitForPlayback(
  page: Page,
  seconds: number,
  timeoutMs: number,
): Promise<PlayerStats> {
  const deadline = Date.now() + timeoutMs;
  let start: number | undefined;
  for (;;) {
    const stats = await playerStats(page);
    if (stats.fatalErrors.length > 0)
      throw new Error(`fatal player error: ${stats.fatalErrors.join('; ')}`);
    if (start === undefined && stats.currentTime > 0) start = stats.currentTime;
    if (start !== undefined && stats.currentTime - start >= seconds) return stats;
    if (Date.now() > deadline) {
      throw new Error(
        `playback advanced ${start === undefined ? 0 : stats.currentTime - start} s of ${seconds} s in ${timeoutMs} ms (state ${stats.state})`,
      );
    }
    await page.waitForTimeout(250);
  }
}

/**
 * Screenshots the video element into test-results/ and returns the standard deviation of its
 * luminance: a blank (single-colour) frame is near 0, a real picture is well above it.
 */
export async function screenshotVideo(page: Page, name: string): Promise<number> {
  const dir = join(process.cwd(), 'test-results');
  mkdirSync(dir, { recursive: true });
  const png = await page.locator('video').screenshot({ path: join(dir, `${name}.png`) });
  return page.evaluate(async (base64) => {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d')!;
    context.drawImage(image, 0, 0);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    let sumSquares = 0;
    const pixels = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const luma = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
      sum += luma;
      sumSquares += luma * luma;
    }
    const mean = sum / pixels;
    return Math.sqrt(Math.max(0, sumSquares / pixels - mean * mean));
  }, png.toString('base64'));
}
