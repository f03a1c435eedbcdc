/**
 * Runs ffmpeg and turns its output into published segments. ffmpeg writes fMP4 HLS into a scratch
 * folder per run; each segment is taken once ffmpeg's own playlist lists it (so it is complete),
 * read and deleted, and published at the wall-clock pace of its duration (segment-pacer.ts). If ffmpeg dies the supervisor restarts it with
 * back-off; the new run gets a new init segment and a discontinuity, so players carry on.
 */
import type { ChildProcess } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngestStats } from '../contracts/stats.js';
import type { EncodeProfile, SourceSpec } from './config.js';
import { buildFfmpegArgs } from './ffmpeg-args.js';
import { spawnFfmpeg } from './ffmpeg-spawn.js';
import { parseFfmpegPlaylist } from './ffmpeg-playlist.js';
import type { Logger } from './logger.js';
import type { LivePublisher } from './live-publisher.js';
import { SegmentPacer } from './segment-pacer.js';

export interface IngestOptions {
  ffmpegPath: string;
  /** For rtmp, `port` is ffmpeg's internal listener behind the key-checking gate. */
  source: SourceSpec;
  profile: EncodeProfile;
  hasAudio?: boolean;
  hasVideo?: boolean;
  workDir: string;
  publisher: LivePublisher;
  log: Logger;
}

/** Restart delays grow from 250 ms to 8 s and reset after a run that lived 20 s. */
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 8_000;
const HEALTHY_RUN_MS = 20_000;
const POLL_MS = 200;
const STDERR_LINES = 20;

export class Ingest {
  private child: ChildProcess | undefined;
  private run = 0;
  private restarts = 0;
  private state: IngestStats['state'] = 'starting';
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly pacer = new SegmentPacer();

  constructor(private readonly options: IngestOptions) {}

  start(): void {
    this.loop ??= this.supervise();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    this.pacer.stop();
    this.wake?.();
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 1_000);
      await new Promise<void>((resolve) => child.once('close', () => resolve()));
      clearTimeout(killTimer);
    }
    await this.loop;
    await rm(this.options.workDir, { recursive: true, force: true });
  }

  stats(): IngestStats {
    return {
      source: this.options.source.kind,
      state: this.state,
      pid: this.child?.exitCode === null ? (this.child.pid ?? null) : null,
      restarts: this.restarts,
    };
  }

  private async supervise(): Promise<void> {
    let delay = BACKOFF_MIN_MS;
    while (!this.stopped) {
      const startedAt = Date.now();
      const outcome = await this.runOnce();
      if (this.stopped) return;
      if (outcome.finished) {
        await this.pacer.idle();
        if (this.stopped) return;
        this.state = 'ended';
        this.options.publisher.store.end();
        this.options.log.info('source finished: the broadcast has ended (Ctrl-C to quit)');
        return;
      }
      if (Date.now() - startedAt > HEALTHY_RUN_MS) delay = BACKOFF_MIN_MS;
      this.restarts += 1;
      this.state = 'restarting';
      const why = outcome.lastError ? `: ${outcome.lastError}` : '';
      if (this.options.source.kind === 'rtmp') {
        // The listener ends with every push, refused ones included: be back at once for the next.
        if (outcome.published > 0) this.options.log.info('RTMP publisher disconnected; waiting');
        await this.sleep(BACKOFF_MIN_MS);
        continue;
      }
      this.options.log.warn(`ffmpeg exited (${outcome.exit})${why}; restarting in ${delay} ms`);
      await this.sleep(delay);
      delay = Math.min(delay * 2, BACKOFF_MAX_MS);
    }
  }

  private async runOnce(): Promise<{
    finished: boolean;
    published: number;
    exit: string;
    lastError?: string;
  }> {
    const { options } = this;
    const runId = this.run++;
    const outDir = join(options.workDir, `run-${runId}`);
    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    const args = buildFfmpegArgs({
      source: options.source,
      profile: options.profile,
      outDir,
      ...(options.hasAudio === undefined ? {} : { hasAudio: options.hasAudio }),
      ...(options.hasVideo === undefined ? {} : { hasVideo: options.hasVideo }),
    });
    options.log.debug(`ffmpeg ${args.join(' ')}`);

    const child = spawnFfmpeg(options.ffmpegPath, args);
    this.child = child;
    this.state = options.source.kind === 'rtmp' ? 'waiting' : 'starting';
    const stderrTail: string[] = [];
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (!line.trim()) continue;
        options.log.debug(`ffmpeg: ${line}`);
        stderrTail.push(line.trim());
        if (stderrTail.length > STDERR_LINES) stderrTail.shift();
      }
    });

    const { publisher } = options;
    const paced: RunOutput = {
      beginRun: (init) => this.pacer.push(0, () => publisher.beginRun(init)),
      append: (duration, bytes) =>
        this.pacer.push(duration, () => {
          publisher.append(duration, bytes);
          // A segment of an older run leaving late does not make a restarting run live.
          if (this.state !== 'live' && !this.stopped && runId === this.run - 1) {
            options.log.debug(`run ${runId} is live`);
            this.state = 'live';
          }
        }),
    };
    const reader = new RunReader(outDir, paced);
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(outDir, () => reader.schedule());
      watcher.on('error', () => undefined);
    } catch {
      watcher = undefined; // the poll below still picks segments up
    }
    const poll = setInterval(() => reader.schedule(), POLL_MS);

    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve) => {
        child.once('error', (error) => {
          stderrTail.push(error.message);
          resolve({ code: -1, signal: null });
        });
        child.once('close', (code, signal) => resolve({ code, signal }));
      },
    );
    clearInterval(poll);
    watcher?.close();
    await reader.drain();
    this.child = undefined;
    await rm(outDir, { recursive: true, force: true });

    const finished =
      exit.code === 0 && options.source.kind === 'file' && !options.source.loop && !this.stopped;
    return {
      finished,
      published: reader.published,
      exit: exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`,
      ...(stderrTail.length > 0 ? { lastError: stderrTail.at(-1) } : {}),
    };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Where a run's init and segments go, in order (the pacer, then the publisher). */
interface RunOutput {
  beginRun(init: Uint8Array): void;
  append(duration: number, bytes: Uint8Array): void;
}

/** Reads one ffmpeg run's folder; scans never overlap and each segment is taken once. */
class RunReader {
  published = 0;
  private lastIndex = -1;
  private begun = false;
  private scanning: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly dir: string,
    private readonly output: RunOutput,
  ) {}

  schedule(): void {
    if (this.scanning) {
      this.again = true;
      return;
    }
    this.scanning = this.scanLoop().finally(() => (this.scanning = undefined));
  }

  async drain(): Promise<void> {
    await this.scanning;
    await this.scan();
  }

  private async scanLoop(): Promise<void> {
    do {
      this.again = false;
      await this.scan();
    } while (this.again);
  }

  private async scan(): Promise<void> {
    const text = await readFile(join(this.dir, 'index.m3u8'), 'utf8').catch(() => undefined);
    if (text === undefined) return;
    const playlist = parseFfmpegPlaylist(text);
    if (!this.begun) {
      if (!playlist.initFile) return;
      const init = await readFile(join(this.dir, playlist.initFile)).catch(() => undefined);
      if (!init || init.length === 0) return;
      this.output.beginRun(new Uint8Array(init));
      this.begun = true;
    }
    for (const entry of playlist.segments) {
      if (entry.index <= this.lastIndex) continue;
      const path = join(this.dir, entry.file);
      const bytes = await readFile(path).catch(() => undefined);
      this.lastIndex = entry.index;
      if (!bytes || bytes.length === 0) continue; // deleted before we got to it: skip, never stall
      await rm(path, { force: true });
      this.output.append(entry.duration, new Uint8Array(bytes));
      this.published += 1;
    }
  }
}
