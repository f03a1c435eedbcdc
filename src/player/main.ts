/**
 * The browser player: hls.js on the live playlist, muted autoplay, a stats panel, and
 * `window.swarmcast.stats()` for tests and curious viewers.
 */
import Hls, { type ErrorData } from 'hls.js';
import type { PlayerStats } from './player-stats.js';
import { renderStats } from './stats-panel.js';

const params = new URLSearchParams(location.search);
const stream = params.get('stream') ?? 'main';
const viewerId = crypto.randomUUID().replaceAll('-', '').slice(0, 16);
const playlistUrl = `/live/${encodeURIComponent(stream)}/index.m3u8`;

const video = document.querySelector<HTMLVideoElement>('#video')!;
const panel = document.querySelector<HTMLElement>('#stats')!;
const notice = document.querySelector<HTMLElement>('#notice')!;
document.querySelector('#stream-name')!.textContent = `· ${stream}`;

const stats: PlayerStats = {
  stream,
  state: 'waiting',
  liveLatency: null,
  wallClockLatency: null,
  bufferSeconds: 0,
  currentTime: 0,
  fragmentsLoaded: 0,
  bytesLoaded: 0,
  bytesFrom: { http: 0, peers: 0 },
  stalls: 0,
  stallSeconds: 0,
  fatalErrors: [],
  recoveredErrors: 0,
};
let hls: Hls | undefined;
let stallStartedAt: number | undefined;
let hasPlayed = false;

declare global {
  interface Window {
    swarmcast: { stats: () => PlayerStats; hls: () => Hls | undefined };
  }
}
window.swarmcast = { stats: snapshot, hls: () => hls };

function showNotice(text: string | undefined): void {
  notice.hidden = !text;
  notice.textContent = text ?? '';
}

/** Waits until the origin has a playlist: a broadcast may still be starting up. */
async function waitForStream(): Promise<void> {
  for (;;) {
    const response = await fetch(`${playlistUrl}?viewer=${viewerId}`, { cache: 'no-store' }).catch(
      () => undefined,
    );
    if (response?.ok) return;
    if (response?.status === 404) showNotice(`There is no stream named "${stream}" here.`);
    else showNotice('Waiting for the broadcast to start…');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function start(): void {
  if (!Hls.isSupported()) {
    stats.state = 'error';
    showNotice('This browser cannot play HLS with Media Source Extensions.');
    return;
  }
  stats.state = 'loading';
  hls = new Hls({
    liveSyncDurationCount: 3,
    liveMaxLatencyDurationCount: 10,
    backBufferLength: 30,
    manifestLoadPolicy: {
      default: {
        maxTimeToFirstByteMs: 10_000,
        maxLoadTimeMs: 20_000,
        timeoutRetry: { maxNumRetry: 6, retryDelayMs: 0, maxRetryDelayMs: 0 },
        errorRetry: { maxNumRetry: 6, retryDelayMs: 1000, maxRetryDelayMs: 4000 },
      },
    },
  });
  hls.on(Hls.Events.FRAG_LOADED, (_event, data) => {
    stats.fragmentsLoaded += 1;
    const bytes = data.frag.stats.total || data.payload.byteLength;
    stats.bytesLoaded += bytes;
    stats.bytesFrom.http += bytes;
  });
  hls.on(Hls.Events.ERROR, (_event, data) => onError(data));
  hls.loadSource(`${playlistUrl}?viewer=${viewerId}`);
  hls.attachMedia(video);
  video.play().catch(() => {
    // Autoplay may be refused until the user interacts; the controls are there for that.
  });
}

function onError(data: ErrorData): void {
  if (!data.fatal || !hls) return;
  if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
    stats.recoveredErrors += 1;
    hls.recoverMediaError();
    return;
  }
  if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
    // The origin may be restarting: retry rather than give up on a live stream.
    stats.recoveredErrors += 1;
    showNotice('Connection to the broadcast lost; retrying…');
    setTimeout(() => hls?.startLoad(-1), 1000);
    return;
  }
  stats.fatalErrors.push(`${data.type}: ${data.details}`);
  stats.state = 'error';
  showNotice(`Playback failed: ${data.details}`);
}

video.addEventListener('playing', () => {
  hasPlayed = true;
  stats.state = 'playing';
  showNotice(undefined);
  if (stallStartedAt !== undefined) {
    stats.stallSeconds += (performance.now() - stallStartedAt) / 1000;
    stallStartedAt = undefined;
  }
});
video.addEventListener('waiting', () => {
  if (!hasPlayed || stallStartedAt !== undefined) return;
  stats.state = 'stalled';
  stats.stalls += 1;
  stallStartedAt = performance.now();
});
video.addEventListener('ended', () => (stats.state = 'ended'));

function bufferAhead(): number {
  const { buffered, currentTime } = video;
  for (let i = 0; i < buffered.length; i++) {
    if (buffered.start(i) <= currentTime + 0.1 && currentTime <= buffered.end(i)) {
      return buffered.end(i) - currentTime;
    }
  }
  return 0;
}

function snapshot(): PlayerStats {
  stats.currentTime = video.currentTime;
  stats.bufferSeconds = bufferAhead();
  stats.liveLatency = hls?.latency ?? null;
  const playingDate = hls?.playingDate;
  stats.wallClockLatency = playingDate ? (Date.now() - playingDate.getTime()) / 1000 : null;
  const stalledFor = stallStartedAt === undefined ? 0 : (performance.now() - stallStartedAt) / 1000;
  return structuredClone({ ...stats, stallSeconds: stats.stallSeconds + stalledFor });
}

setInterval(() => renderStats(panel, snapshot()), 500);
void waitForStream().then(() => {
  showNotice(undefined);
  start();
});
