/**
 * When a download turns to the web seed: peers first, because every byte the web seed serves is
 * origin egress; the web seed only once peers have delivered nothing for `graceMs`, or deliver
 * less than `minPeerRate` over the last `windowMs`. Once added, web seeds stay for the download.
 */

export interface FallbackPolicy {
  /** How long peers get to deliver a first byte; 0 uses the web seeds from the start. */
  graceMs: number;
  /** Bytes per second below which peers count as not delivering. */
  minPeerRate: number;
  /** The span the peer rate is measured over (after the grace period). */
  windowMs: number;
}

export const DEFAULT_FALLBACK_POLICY: FallbackPolicy = {
  graceMs: 1_500,
  minPeerRate: 64 * 1024,
  windowMs: 3_000,
};

const CHECK_EVERY_MS = 250;

export interface RateSample {
  atMs: number;
  bytes: number;
}

/** Why the web seeds should be added now, or undefined while peers are good enough. */
export function fallbackReason(
  samples: readonly RateSample[],
  startMs: number,
  nowMs: number,
  policy: FallbackPolicy,
): string | undefined {
  const latest = samples.at(-1);
  const elapsed = nowMs - startMs;
  if (elapsed < policy.graceMs) return undefined;
  if (!latest || latest.bytes === 0) return `no peer bytes after ${policy.graceMs} ms`;
  if (elapsed < policy.graceMs + policy.windowMs) return undefined;
  const since = samples.findLast((sample) => sample.atMs <= nowMs - policy.windowMs) ?? samples[0];
  const spanMs = since ? latest.atMs - since.atMs : 0;
  const rate = since && spanMs > 0 ? ((latest.bytes - since.bytes) * 1000) / spanMs : 0;
  if (rate < policy.minPeerRate)
    return `peers deliver ${Math.round(rate)} B/s, under ${policy.minPeerRate} B/s`;
  return undefined;
}

/** Samples `peerBytes` until `onFallback` fires once; returns a stop function. */
export function watchPeerRate(
  policy: FallbackPolicy,
  peerBytes: () => number,
  onFallback: (reason: string) => void,
): () => void {
  const startMs = Date.now();
  const samples: RateSample[] = [];
  const check = (): boolean => {
    const nowMs = Date.now();
    samples.push({ atMs: nowMs, bytes: peerBytes() });
    // Only the window is needed.
    while (samples.length > 2 && (samples[1]?.atMs ?? nowMs) < nowMs - policy.windowMs)
      samples.shift();
    const reason = fallbackReason(samples, startMs, nowMs, policy);
    if (reason === undefined) return false;
    onFallback(reason);
    return true;
  };
  if (check()) return () => undefined;
  const timer = setInterval(() => {
    if (check()) clearInterval(timer);
  }, CHECK_EVERY_MS);
  return () => clearInterval(timer);
}
