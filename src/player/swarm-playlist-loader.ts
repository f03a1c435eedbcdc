/**
 * The hls.js playlist loader. Once the page has joined, the live media playlist is rendered from
 * the segments its peer already holds: verified, and pushed down the tree as they were published,
 * so hls.js learns of a segment the moment it is here instead of at its next poll of the origin,
 * and the origin answers no playlist polls from joined viewers. Until then, or when the swarm is
 * late, hls.js's own HTTP loader asks the origin. A thin adapter, like the fragment loader:
 * what to serve is decided by the `playlist` hook.
 */
import Hls, {
  LoaderContextType,
  type HlsConfig,
  type Loader,
  type LoaderCallbacks,
  type LoaderConfiguration,
  type LoaderStats,
  type PlaylistLoaderContext,
} from 'hls.js';

export interface SwarmPlaylistHooks {
  /** The media playlist as text, from the swarm; undefined to ask the origin over HTTP. */
  playlist: () => string | undefined;
}

type HttpLoader = Loader<PlaylistLoaderContext>;

export function swarmPlaylistLoader(
  hooks: SwarmPlaylistHooks,
): new (config: HlsConfig) => Loader<PlaylistLoaderContext> {
  const DefaultLoader = Hls.DefaultConfig.loader as unknown as new (
    config: HlsConfig,
  ) => HttpLoader;

  return class SwarmPlaylistLoader implements Loader<PlaylistLoaderContext> {
    context: PlaylistLoaderContext | null = null;
    stats: LoaderStats;
    private readonly http: HttpLoader;
    private aborted = false;

    constructor(config: HlsConfig) {
      this.http = new DefaultLoader(config);
      this.stats = this.http.stats;
    }

    load(
      context: PlaylistLoaderContext,
      config: LoaderConfiguration,
      callbacks: LoaderCallbacks<PlaylistLoaderContext>,
    ): void {
      this.context = context;
      this.aborted = false;
      // Only a media playlist reload: the first load also tells hls.js what the stream is.
      const text = context.type === LoaderContextType.LEVEL ? hooks.playlist() : undefined;
      if (text === undefined) {
        this.http.load(context, config, callbacks);
        this.stats = this.http.stats;
        return;
      }
      const now = performance.now();
      const stats = this.stats;
      stats.aborted = false;
      stats.loading = { start: now, first: now, end: now };
      stats.loaded = text.length;
      stats.total = text.length;
      // Answered on a later task, as a network answer would be: hls.js does not expect a
      // loader to call back from inside load().
      setTimeout(() => {
        if (this.aborted || this.context !== context) return;
        callbacks.onSuccess({ url: context.url, data: text }, stats, context, null);
      }, 0);
    }

    abort(): void {
      this.aborted = true;
      this.http.abort();
    }

    destroy(): void {
      this.aborted = true;
      this.http.destroy();
      this.context = null;
    }
  };
}
