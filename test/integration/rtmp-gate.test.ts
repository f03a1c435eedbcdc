/**
 * The RTMP gate between two real ffmpeg processes: a listener like the seeder's ingest and a
 * pusher like OBS. Only the right key may get frames through.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { locateFfmpeg } from '../../src/seeder/ffmpeg-locate.js';
import { startRtmpGate, type RtmpGate } from '../../src/seeder/rtmp-gate.js';

const FFMPEG = locateFfmpeg(undefined).path;
const KEY = 'integration-key-7c1d';

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const started: Run[] = [];

function run(args: string[]): Run {
  const child = spawn(FFMPEG, ['-hide_banner', '-nostdin', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (err += text));
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const handle = { child, stdout: () => out, stderr: () => err, exited };
  started.push(handle);
  return handle;
}

/** Stops one of our own processes by its PID, and waits until it is gone. */
async function stop(handle: Run): Promise<void> {
  if (handle.child.exitCode === null && handle.child.signalCode === null) {
    handle.child.kill('SIGKILL');
  }
  await handle.exited;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Waits for ffmpeg's listening socket by reading the kernel's table: connecting to check would
 * use up the one connection `-listen 1` accepts.
 */
async function waitForListener(port: number, ms = 10_000): Promise<void> {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const deadline = Date.now() + ms;
  for (;;) {
    const table = readFileSync('/proc/net/tcp', 'utf8');
    const listening = table
      .split('\n')
      .some(
        (line) => line.trim().split(/\s+/)[1] === local && line.trim().split(/\s+/)[3] === '0A',
      );
    if (listening) return;
    if (Date.now() > deadline) throw new Error(`ffmpeg never listened on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The highest `frame=` the listener reported through `-progress`. */
function framesReceived(listener: Run): number {
  const counts = [...listener.stdout().matchAll(/^frame=(\d+)$/gm)].map((m) => Number(m[1]));
  return Math.max(0, ...counts);
}

function startListener(port: number): Run {
  return run([
    '-loglevel',
    'info',
    '-progress',
    'pipe:1',
    '-listen',
    '1',
    '-i',
    `rtmp://127.0.0.1:${port}/live/internal`,
    '-c',
    'copy',
    '-f',
    'null',
    '-',
  ]);
}

function startPusher(gatePort: number, key: string): Run {
  return run([
    '-loglevel',
    'error',
    '-re',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=25',
    '-t',
    '3',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '25',
    '-f',
    'flv',
    `rtmp://127.0.0.1:${gatePort}/live/${key}`,
  ]);
}

describe('RTMP gate with real ffmpeg', () => {
  let gate: RtmpGate | undefined;

  afterEach(async () => {
    await gate?.close();
    gate = undefined;
    await Promise.all(started.splice(0).map(stop));
  });

  /** A gate in front of an ffmpeg listener; `startListening` false leaves the listener to the test. */
  async function setup(startListening = true) {
    const upstreamPort = await freePort();
    const listener = startListening ? startListener(upstreamPort) : undefined;
    if (startListening) await waitForListener(upstreamPort);
    const refused: string[] = [];
    const accepted: string[] = [];
    gate = await startRtmpGate({
      host: '127.0.0.1',
      port: 0,
      upstreamPort,
      app: 'live',
      key: KEY,
      onRefused: (reason) => refused.push(reason),
      onAccepted: (remote) => accepted.push(remote),
    });
    return { upstreamPort, listener: listener!, gate, refused, accepted };
  }

  it('lets the right key through: the listener receives frames', async () => {
    const { listener, gate, refused, accepted } = await setup();
    const pusher = startPusher(gate.port, KEY);
    const pushed = await within(pusher.exited, 30_000, 'pusher exit');
    expect(pushed, pusher.stderr()).toBe(0);
    await within(listener.exited, 15_000, 'listener exit');
    expect(accepted).toHaveLength(1);
    expect(refused).toEqual([]);
    // 3 s at 25 fps; allow a few frames of slack at either end.
    expect(framesReceived(listener), listener.stderr()).toBeGreaterThanOrEqual(60);
  });

  it('holds a publisher that arrives while ffmpeg is restarting, until its listener is up', async () => {
    const { upstreamPort, gate, accepted } = await setup(false);
    // The publisher first, and ffmpeg's listener only a second later.
    const pusher = startPusher(gate.port, KEY);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const listener = startListener(upstreamPort);
    const pushed = await within(pusher.exited, 30_000, 'pusher exit');
    expect(pushed, pusher.stderr()).toBe(0);
    await within(listener.exited, 15_000, 'listener exit');
    expect(accepted).toHaveLength(1);
    expect(framesReceived(listener), listener.stderr()).toBeGreaterThanOrEqual(50);
  });

  it('turns a wrong key away: the pusher fails and the listener gets nothing', async () => {
    const { listener, gate, refused, accepted } = await setup();
    const pusher = startPusher(gate.port, 'not-the-key');
    const pushed = await within(pusher.exited, 30_000, 'pusher exit');
    expect(pushed).not.toBe(0);
    expect(refused).toEqual(['wrong stream key']);
    expect(accepted).toEqual([]);
    // ffmpeg's listener saw its one connection drop before any publish: it gives up.
    await within(listener.exited, 15_000, 'listener exit');
    expect(framesReceived(listener)).toBe(0);
    expect(listener.stderr()).not.toMatch(/Stream #0:0/);
    // ffmpeg logs the name of any FCPublish or publish it handles: none got through.
    expect(listener.stderr()).not.toMatch(/not-the-key/);
  });
});
