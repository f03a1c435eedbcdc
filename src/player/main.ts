/**
 * The browser player: hls.js on the live playlist, segments from the swarm when this page's peer
 * has them (HTTP otherwise), muted autoplay, a stats panel, and `window.swarmcast.stats()` for
 * tests and curious viewers. `?p2p=0` watches over HTTP only; `?upload=N` caps how many peers
 * this page feeds (0 uploads nothing).
 */
import Hls, { type ErrorData } from 'hls.js';
import type { SwarmPeer } from '../swarm/peer.js';
import { SegmentSource, parseMediaUrl } from '../swarm/segment-source.js';
import { showAudioView, type AudioView } from './audio-view.js';
import { readLiveStart, readyToStart } from './live-start.js';
import type { PlayerStats } from './player-stats.js';
import { renderStats } from './stats-panel.js';
import { SwarmDeadline } from './swarm-deadline.js';
import { SwarmFreshness } from './swarm-freshness.js';
import { swarmFragmentLoader, type LoadedFrom } from './swarm-fragment-loader.js';
import { swarmPlaylistLoader } from './swarm-playlist-loader.js';
import { renderPlaylist } from '../swarm/playlist.js';
import { swarmView } from './swarm-view.js';

const params = new URLSearchParams(location.search);
const stream = params.get('stream') ?? 'main';
const p2p = params.get('p2p') !== '0';
const maxChildren = Math.max(0, Math.min(8, Number.parseInt(params.get('upload') ?? '3', 10) || 0));
const viewerId = crypto.randomUUID().replaceAll('-', '').slice(0, 16);
const playlistUrl = `/live/${encodeURIComponent(stream)}/index.m3u8`;
const loadedAt = performance.now();

const video = document.querySelector<HTMLVideoElement>('#video')!;
const panel = document.querySelector<HTMLElement>('#stats')!;
const notice = document.querySelector<HTMLElement>('#notice')!;
const stage = document.querySelector<HTMLElement>('.stage')!;
let audioView: AudioView | undefined;
document.querySelector('#stream-name')!.textContent = `· ${stream}`;

const stats: Omit<PlayerStats, 'swarm' | 'p2pShare' | 'audioOnly' | 'audioLevel'> = {
  stream,
  state: 'waiting',
  liveLatency: null,
  wallClockLatency: null,
  bufferSeconds: 0,
  currentTime: 0,
  fragmentsLoaded: 0,
  bytesLoaded: 0,
  bytesFrom: { http: 0, origin: 0, peers: 0 },
  stalls: 0,
  stallSeconds: 0,
  longestStallSeconds: 0,
  startupMs: null,
  joinMs: null,
  joinStartedMs: null,
  fatalErrors: [],
  recoveredErrors: 0,
};
let hls: Hls | undefined;
let peer: SwarmPeer | undefined;
let source: SegmentSource | undefined;
let joined: () => void = () => undefined;
const joinedOrGaveUp = new Promise<void>((resolve) => (joined = resolve));
const deadline = new SwarmDeadline();
/** Segments in a playlist, as the origin's (its default window). */
const PLAYLIST_SEGMENTS = 6;
/** hls.js's distance behind the live edge, in seconds (its `liveSyncDuration`). */
const LIVE_SYNC_SECONDS = 3.5;
/** Media a playlist must list before playback starts: the sync distance plus one segment. */
const START_HOLD_SECONDS = LIVE_SYNC_SECONDS + 1;
/** A stream whose window never grows that long (a short custom window) starts anyway after this. */
const START_HOLD_MAX_MS = 8_000;
/**
 * The swarm joins once playback has this much buffered ahead of the playhead, in seconds, or has
 * caught up with the live edge (the newest listed segment is buffered: nothing is left to fetch
 * until the next one)…
 */
const JOIN_BUFFER_SECONDS = 2;
/** …or this long after hls.js started, whichever comes first. */
const JOIN_AFTER_MS = 5_000;
/** A swarm whose newest segment is older than its duration plus this is late. */
const LATE_AFTER_MS = 500;
const freshness = new SwarmFreshness(LATE_AFTER_MS);
/** The newest media segment hls.js has loaded, from anywhere: a parent need not send it again. */
let newestLoaded: number | null = null;
let stallStartedAt: number | undefined;
let hasPlayed = false;
/** The newest segment the playlist listed has been buffered at least once. */
let caughtUp = false;

declare global {
  interface Window {
    swarmcast: {
      stats: () => PlayerStats;
      hls: () => Hls | undefined;
      peer: () => SwarmPeer | undefined;
    };
  }
}
window.swarmcast = { stats: snapshot, hls: () => hls, peer: () => peer };

function showNotice(text: string | undefined): void {
  notice.hidden = !text;
  notice.textContent = text ?? '';
}

/**
 * Waits until the origin has a playlist with enough media to start on: a broadcast may still be
 * starting up, and one that has just started lists too little to play with a buffer
 * (see live-start.ts).
 */
async function waitForStream(): Promise<void> {
  let firstSeen: number | undefined;
  for (;;) {
    const response = await fetch(`${playlistUrl}?viewer=${viewerId}`, { cache: 'no-store' }).catch(
      () => undefined,
    );
    if (response?.ok) {
      const text = await response.text().catch(() => '');
      firstSeen ??= performance.now();
      const waited = performance.now() - firstSeen;
      if (readyToStart(readLiveStart(text), START_HOLD_SECONDS, waited, START_HOLD_MAX_MS)) return;
      showNotice('The broadcast is starting…');
    } else if (response?.status === 404) showNotice(`There is no stream named "${stream}" here.`);
    else showNotice('Waiting for the broadcast to start…');
    await new Promise((resolve) => setTimeout(resolve, firstSeen === undefined ? 1000 : 500));
  }
}

/**
 * How long a segment may be waited for from the swarm: until just enough buffer is left to fetch
 * it over HTTP instead. With little buffered (startup, or after a seek) that is no wait at all.
 */
function swarmDeadlineMs(): number {
  return deadline.waitMs({ bufferAheadSeconds: bufferAhead(), playbackRate: video.playbackRate });
}

/**
 * The swarm's source, waiting up to `waitMs` for this page's peer to join once it has begun to.
 * Before that nothing is waited for: the join starts only when the buffer is built (see
 * checkPlaybackSettled), and a wait would keep the buffer from being built.
 */
async function swarmSource(waitMs: number): Promise<SegmentSource | undefined> {
  if (source || !p2p || waitMs <= 0 || stats.joinStartedMs === null) return source;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    joinedOrGaveUp,
    new Promise((resolve) => (timer = setTimeout(resolve, waitMs))),
  ]);
  clearTimeout(timer);
  return source;
}

/**
 * The live playlist from this page's own verified segments (see swarm-playlist-loader.ts), or
 * undefined while the page has not joined or the swarm is late.
 */
function localPlaylist(): string | undefined {
  if (!peer || freshness.isLate(performance.now())) return undefined;
  const segments = peer.store.playlistWindow(PLAYLIST_SEGMENTS);
  if (segments.length < 3 || !peer.store.init(segments.at(-1)!.initId)) return undefined;
  return renderPlaylist({ segments, targetDuration: 1, ended: false });
}

function noteLoaded(bytes: number, from: LoadedFrom, elapsedMs: number): void {
  stats.bytesFrom[from] += bytes;
  if (from === 'http') deadline.noteHttpFetch(elapsedMs);
}

function start(): void {
  if (!Hls.isSupported()) {
    stats.state = 'error';
    showNotice('This browser cannot play HLS with Media Source Extensions.');
    return;
  }
  stats.state = 'loading';
  hls = new Hls({
    // Half a segment more than hls.js's default of three: a page that also feeds other pages
    // can be late to a segment by a busy moment, and the buffer should absorb that, not stall.
    liveSyncDuration: LIVE_SYNC_SECONDS,
    liveMaxLatencyDuration: 10,
    // Drift behind the live edge (a slow start, a wait on the swarm) is won back by playing up
    // to 10 % faster, instead of being carried for the rest of the broadcast.
    maxLiveSyncPlaybackRate: 1.1,
    backBufferLength: 30,
    pLoader: swarmPlaylistLoader({ playlist: localPlaylist }),
    fLoader: swarmFragmentLoader({
      stream,
      source: swarmSource,
      deadlineMs: swarmDeadlineMs,
      onLoaded: noteLoaded,
    }),
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
    stats.bytesLoaded += data.frag.stats.total || data.payload.byteLength;
    const ref = parseMediaUrl(data.frag.url, stream);
    if (ref?.kind === 'media') newestLoaded = Math.max(newestLoaded ?? ref.id, ref.id);
  });
  hls.on(Hls.Events.FRAG_BUFFERED, (_event, { frag, stats: timing }) => {
    if (timing.loading.end > 0) deadline.noteAppend(timing.buffering.end - timing.loading.end);
    const listed = hls?.levels[frag.level]?.details;
    if (listed?.live && frag.sn === listed.endSN) caughtUp = true;
    checkPlaybackSettled();
  });
  hls.on(Hls.Events.ERROR, (_event, data) => onError(data));
  setTimeout(playbackSettled, JOIN_AFTER_MS);
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
  checkPlaybackSettled();
  stats.startupMs ??= Math.round(performance.now() - loadedAt);
  stats.state = 'playing';
  showNotice(undefined);
  if (stallStartedAt !== undefined) {
    const stalled = (performance.now() - stallStartedAt) / 1000;
    stats.stallSeconds += stalled;
    stats.longestStallSeconds = Math.max(stats.longestStallSeconds, stalled);
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
// Media with sound and no picture: an audio-only broadcast gets a stage made for it.
video.addEventListener('loadedmetadata', () => {
  if (video.videoWidth === 0 && !audioView) audioView = showAudioView(stage, video, stream);
});

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
  const media = stats.bytesFrom.http + stats.bytesFrom.origin + stats.bytesFrom.peers;
  return structuredClone({
    ...stats,
    stallSeconds: stats.stallSeconds + stalledFor,
    longestStallSeconds: Math.max(stats.longestStallSeconds, stalledFor),
    p2pShare: media > 0 ? stats.bytesFrom.peers / media : 0,
    audioOnly: audioView !== undefined,
    audioLevel: audioView?.level() ?? null,
    swarm: swarmView(peer, maxChildren),
  });
}

/**
 * Playback comes first: the swarm's start-up work (a WebRTC handshake per candidate parent) waits
 * until the page plays with a buffer to spare or has caught up with the live edge, or JOIN_AFTER_MS
 * after hls.js started if it never gets there. A join that overlaps the first segments' fetch
 * starves them of CPU and stalls the page in its first second.
 */
let playbackSettled: () => void = () => undefined;
const playing = new Promise<void>((resolve) => (playbackSettled = resolve));
function checkPlaybackSettled(): void {
  if (hasPlayed && (caughtUp || bufferAhead() >= JOIN_BUFFER_SECONDS)) playbackSettled();
}

if (p2p) {
  // The swarm's code (libp2p, WebRTC) is most of the page's script: a chunk of its own, fetched
  // and parsed beside hls.js's start instead of before it.
  const swarmCode = import('./swarm-client.js');
  Promise.all([swarmCode, playing])
    .then(([{ startBrowserPeer }]) => {
      stats.joinStartedMs = Math.round(performance.now() - loadedAt);
      return startBrowserPeer(maxChildren, () => newestLoaded, viewerId);
    })
    .then(
      (started) => {
        peer = started;
        started.store.onSegment(({ sequence, duration }) =>
          freshness.noteSegment(sequence, duration, performance.now()),
        );
        stats.joinMs = Math.round(performance.now() - loadedAt);
        source = new SegmentSource(started.store);
        joined();
      },
      (error: unknown) => {
        console.warn('swarm unavailable; playing over HTTP', error);
        joined();
      },
    );
}
setInterval(() => {
  if (!document.hidden) renderStats(panel, snapshot());
}, 500);
void waitForStream().then(() => {
  showNotice(undefined);
  start();
});
