/**
 * The hls.js adapter: a fragment loader that answers from the swarm when the segment is (or is
 * about to be) there, and otherwise hands the request to hls.js's own HTTP loader. Deliberately
 * thin: waiting and verification live in the swarm's SegmentSource.
 */
import Hls, {
  type FragmentLoaderContext,
  type HlsConfig,
  type Loader,
  type LoaderCallbacks,
  type LoaderConfiguration,
  type LoaderStats,
} from 'hls.js';
import { parseMediaUrl, type SegmentSource, type Served } from '../swarm/segment-source.js';

export interface SwarmLoaderHooks {
  stream: string;
  /**
   * The swarm's source, waiting up to `waitMs` for the peer to join; undefined when the page
   * watches over HTTP only or the join did not finish in time.
   */
  source: (waitMs: number) => Promise<SegmentSource | undefined>;
  /** How long the player can wait for the swarm before HTTP could no longer save it, in ms. */
  deadlineMs: () => number;
  /**
   * Bytes handed to hls.js, by where they came from: `peers` only when another peer sent them;
   * the origin's own push down the swarm is `origin`.
   */
  onLoaded: (bytes: number, from: LoadedFrom, elapsedMs: number) => void;
}

export type LoadedFrom = 'peers' | 'origin' | 'http';

type HttpLoader = Loader<FragmentLoaderContext>;

/** After falling back to HTTP, how long a late copy from the swarm may still win the race. */
const HEDGE_MS = 10_000;

export function swarmFragmentLoader(
  hooks: SwarmLoaderHooks,
): new (config: HlsConfig) => Loader<FragmentLoaderContext> {
  const DefaultLoader = Hls.DefaultConfig.loader as unknown as new (
    config: HlsConfig,
  ) => HttpLoader;

  return class SwarmFragmentLoader implements Loader<FragmentLoaderContext> {
    context: FragmentLoaderContext | null = null;
    stats: LoaderStats;
    private readonly http: HttpLoader;
    private readonly controller = new AbortController();
    private httpOvertaken = false;

    constructor(config: HlsConfig) {
      this.http = new DefaultLoader(config);
      this.stats = this.http.stats;
    }

    load(
      context: FragmentLoaderContext,
      config: LoaderConfiguration,
      callbacks: LoaderCallbacks<FragmentLoaderContext>,
    ): void {
      this.context = context;
      const ref = parseMediaUrl(context.url, hooks.stream);
      // A byte range (rangeEnd > 0) is not a whole object: let HTTP serve it.
      if (!ref || (context.rangeEnd ?? 0) > 0) {
        this.viaHttp(context, config, callbacks);
        return;
      }
      const started = performance.now();
      const deadline = hooks.deadlineMs();
      const { signal } = this.controller;
      let settled = false;
      const fromSwarm = ({ bytes, fromOrigin }: Served) => {
        if (settled || signal.aborted) return;
        settled = true;
        const now = performance.now();
        const stats = this.stats;
        stats.loading = { start: started, first: now, end: now };
        stats.loaded = bytes.length;
        stats.total = bytes.length;
        stats.chunkCount = 1;
        // A copy: hls.js transfers the buffer to its worker, and the swarm keeps serving ours.
        const data = bytes.slice().buffer;
        hooks.onLoaded(bytes.length, fromOrigin ? 'origin' : 'peers', now - started);
        callbacks.onSuccess({ url: context.url, data }, stats, context, null);
      };
      void (async () => {
        const source = await hooks.source(deadline);
        const left = deadline - (performance.now() - started);
        const served = await source?.get(ref, left, signal);
        if (signal.aborted) return;
        if (served) return fromSwarm(served);
        // Playback first: past the deadline HTTP starts at once, but a copy from the swarm that
        // arrives while HTTP is still on its way is taken and the HTTP request dropped. A
        // starved page loses nothing by having tried the swarm.
        const httpDone = new AbortController();
        this.viaHttp(context, config, callbacks, () => {
          settled = true;
          httpDone.abort();
        });
        const late = await source?.get(ref, HEDGE_MS, AbortSignal.any([signal, httpDone.signal]));
        if (!late || settled || signal.aborted) return;
        this.httpOvertaken = true;
        this.http.abort();
        this.stats.aborted = false;
        fromSwarm(late);
      })();
    }

    private viaHttp(
      context: FragmentLoaderContext,
      config: LoaderConfiguration,
      callbacks: LoaderCallbacks<FragmentLoaderContext>,
      /** Told when HTTP has answered, either way. */
      onDone?: () => void,
    ): void {
      const started = performance.now();
      this.http.load(context, config, {
        ...callbacks,
        onError: (...args) => {
          onDone?.();
          callbacks.onError(...args);
        },
        onTimeout: (...args) => {
          onDone?.();
          callbacks.onTimeout(...args);
        },
        // Dropping HTTP because the swarm's copy won is not an abort hls.js should hear of.
        onAbort: (...args) => {
          if (this.httpOvertaken) return;
          onDone?.();
          callbacks.onAbort?.(...args);
        },
        onSuccess: (response, stats, ctx, details) => {
          onDone?.();
          const data = response.data;
          const bytes = data instanceof ArrayBuffer ? data.byteLength : stats.loaded;
          hooks.onLoaded(bytes, 'http', performance.now() - started);
          callbacks.onSuccess(response, stats, ctx, details);
        },
      });
      this.stats = this.http.stats;
    }

    abort(): void {
      if (this.controller.signal.aborted) return;
      this.controller.abort();
      this.http.abort();
    }

    destroy(): void {
      // The HTTP loader's own destroy drops its callbacks first, so nothing calls back into us.
      this.controller.abort();
      this.http.destroy();
      this.context = null;
    }
  };
}
