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
import { parseMediaUrl, type SegmentSource } from '../swarm/segment-source.js';

export interface SwarmLoaderHooks {
  stream: string;
  /**
   * The swarm's source, waiting up to `waitMs` for the peer to join; undefined when the page
   * watches over HTTP only or the join did not finish in time.
   */
  source: (waitMs: number) => Promise<SegmentSource | undefined>;
  /** How long the player can wait for the swarm before HTTP could no longer save it, in ms. */
  deadlineMs: () => number;
  onLoaded: (bytes: number, from: 'peers' | 'http', elapsedMs: number) => void;
}

type HttpLoader = Loader<FragmentLoaderContext>;

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
      void (async () => {
        const source = await hooks.source(deadline);
        const left = deadline - (performance.now() - started);
        return source?.get(ref, left, signal);
      })().then((bytes) => {
        if (signal.aborted) return;
        if (!bytes) {
          this.viaHttp(context, config, callbacks);
          return;
        }
        const now = performance.now();
        const stats = this.stats;
        stats.loading = { start: started, first: now, end: now };
        stats.loaded = bytes.length;
        stats.total = bytes.length;
        stats.chunkCount = 1;
        // A copy: hls.js transfers the buffer to its worker, and the swarm keeps serving ours.
        const data = bytes.slice().buffer;
        hooks.onLoaded(bytes.length, 'peers', now - started);
        callbacks.onSuccess({ url: context.url, data }, stats, context, null);
      });
    }

    private viaHttp(
      context: FragmentLoaderContext,
      config: LoaderConfiguration,
      callbacks: LoaderCallbacks<FragmentLoaderContext>,
    ): void {
      const started = performance.now();
      this.http.load(context, config, {
        ...callbacks,
        onSuccess: (response, stats, ctx, details) => {
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
