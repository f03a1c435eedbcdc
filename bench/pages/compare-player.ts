/**
 * The comparison players for bench:p2p, one page, chosen by `?mode=`: plain hls.js over HTTP, or
 * hls.js with p2p-media-loader 2 (its defaults, or tuned for a live stream of short segments).
 * Exposes `window.benchStats()` with the same figures the Swarmcast player reports.
 */
import Hls from 'hls.js';
import { HlsJsP2PEngine } from 'p2p-media-loader-hlsjs';

interface BenchStats {
  startupMs: number | null;
  latency: number | null;
  stalls: number;
  stallSeconds: number;
  longestStallSeconds: number;
  bytesHttp: number;
  bytesPeers: number;
  currentTime: number;
}

const params = new URLSearchParams(location.search);
const mode = params.get('mode') ?? 'plain';
const src = params.get('src')!;
const tracker = params.get('tracker') ?? '';
const video = document.querySelector('video')!;
const loadedAt = performance.now();
const stats: BenchStats = {
  startupMs: null,
  latency: null,
  stalls: 0,
  stallSeconds: 0,
  longestStallSeconds: 0,
  bytesHttp: 0,
  bytesPeers: 0,
  currentTime: 0,
};
let stalledAt: number | undefined;
let played = false;
let hls: Hls;

if (mode === 'plain') {
  hls = new Hls({ liveSyncDurationCount: 3 });
  hls.on(Hls.Events.FRAG_LOADED, (_event, data) => (stats.bytesHttp += data.payload.byteLength));
} else {
  const tuned = mode === 'pml-tuned';
  const HlsWithP2P = HlsJsP2PEngine.injectMixin(Hls);
  const instance = new HlsWithP2P({
    ...(tuned ? { liveSyncDurationCount: 4 } : {}),
    p2p: {
      core: {
        announceTrackers: [tracker],
        rtcConfig: { iceServers: [] },
        swarmId: 'bench',
        // Its defaults fetch the whole live window over HTTP; a live stream of 1 s segments
        // needs a short high-demand window to leave room for peers.
        ...(tuned
          ? { highDemandTimeWindow: 2, httpDownloadTimeWindow: 2, p2pDownloadTimeWindow: 6 }
          : {}),
      },
    },
  });
  instance.p2pEngine.addEventListener('onChunkDownloaded', (bytes: number, source: string) => {
    if (source === 'http') stats.bytesHttp += bytes;
    else stats.bytesPeers += bytes;
  });
  hls = instance;
}
hls.loadSource(src);
hls.attachMedia(video);
void video.play().catch(() => undefined);

video.addEventListener('playing', () => {
  played = true;
  stats.startupMs ??= Math.round(performance.now() - loadedAt);
  if (stalledAt !== undefined) {
    const seconds = (performance.now() - stalledAt) / 1000;
    stats.stallSeconds += seconds;
    stats.longestStallSeconds = Math.max(stats.longestStallSeconds, seconds);
    stalledAt = undefined;
  }
});
video.addEventListener('waiting', () => {
  if (!played || stalledAt !== undefined) return;
  stats.stalls += 1;
  stalledAt = performance.now();
});

(window as unknown as { benchStats: () => BenchStats }).benchStats = () => ({
  ...stats,
  latency: hls.latency,
  currentTime: video.currentTime,
});
