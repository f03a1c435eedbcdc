/**
 * The @libp2p/webrtc dial race, reproduced with real RTCPeerConnections in Chromium: the listener
 * closes the dialer's `init` channel before the dialer starts waiting for it to open and close.
 * Without the fix the dialer waits for events that already happened; with it, it goes on.
 */
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';

type Outcome = 'done' | 'hung';

/** Runs the dialer's steps on a data channel that came and went before the dialer looked. */
function lateDialer(page: Page, label: string): Promise<Outcome> {
  return page.evaluate(async (label): Promise<Outcome> => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const dialer = new RTCPeerConnection();
    const listener = new RTCPeerConnection();
    dialer.onicecandidate = ({ candidate }) =>
      candidate && void listener.addIceCandidate(candidate);
    listener.onicecandidate = ({ candidate }) =>
      candidate && void dialer.addIceCandidate(candidate);
    // What libp2p's listening side does with `init`: close it the moment it arrives.
    listener.ondatachannel = ({ channel }) => channel.close();
    const channel = dialer.createDataChannel(label);
    try {
      const offer = await dialer.createOffer();
      await dialer.setLocalDescription(offer);
      await listener.setRemoteDescription(offer);
      const answer = await listener.createAnswer();
      await listener.setLocalDescription(answer);
      await dialer.setRemoteDescription(answer);
      // The dialer is busy elsewhere (a loaded page) until the channel has opened and closed.
      for (let waited = 0; channel.readyState !== 'closed'; waited += 20) {
        if (waited > 10_000) throw new Error(`the channel stayed ${channel.readyState}`);
        await sleep(20);
      }
      const next = (type: 'open' | 'close') =>
        new Promise((resolve) => channel.addEventListener(type, resolve, { once: true }));
      // The dialer's steps once connected, as @libp2p/webrtc takes them.
      const steps = (async (): Promise<Outcome> => {
        if (channel.readyState !== 'open') await next('open');
        channel.close();
        await next('close');
        return 'done';
      })();
      return await Promise.race([steps, sleep(2_000).then((): Outcome => 'hung')]);
    } finally {
      dialer.close();
      listener.close();
    }
  }, label);
}

describe('the WebRTC init-channel race, in Chromium', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: ['src/swarm/webrtc-init-channel.ts'],
      bundle: true,
      format: 'iife',
      globalName: 'initChannelFix',
      write: false,
      logLevel: 'error',
    });
    browser = await launchChromium();
    page = await browser.newPage();
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a late dialer hangs on a channel that came and went: the race is real', async () => {
    expect(await lateDialer(page, 'unpatched')).toBe('hung');
  });

  it('with the fix, a late dialer goes on at once on its init channel', async () => {
    const patched = await page.evaluate(() =>
      (
        globalThis as unknown as {
          initChannelFix: { fixInitChannelRace: (c: typeof RTCPeerConnection) => boolean };
        }
      ).initChannelFix.fixInitChannelRace(RTCPeerConnection),
    );
    expect(patched).toBe(true);
    expect(await lateDialer(page, 'init')).toBe('done');
    // Other channels keep the browser's own behaviour.
    expect(await lateDialer(page, 'unpatched')).toBe('hung');
  });
});
