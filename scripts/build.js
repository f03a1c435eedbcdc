// Builds the Node entry points into dist/ and the browser player into web/dist/.
import { build } from 'esbuild';
import { join } from 'node:path';

/**
 * Per-platform modules: `x.ts` is the Node implementation and `x.browser.ts`, where it exists,
 * replaces it in the browser bundle (transports, crypto).
 */
const browserVariants = {
  name: 'browser-variants',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/(\.\.\/)*(transports\.node|crypto)\.js$/ }, (args) => {
      if (!args.importer.includes('/src/swarm/')) return undefined;
      const nodePath = join(args.resolveDir, args.path);
      return { path: nodePath.replace(/(\.node)?\.js$/, '.browser.ts') };
    });
  },
};

const node = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};

await Promise.all([
  build({ ...node, entryPoints: { shims: 'src/runtime/shims.ts' }, outdir: 'dist' }),
  build({
    ...node,
    entryPoints: { cli: 'src/cli/main.ts', index: 'src/index.ts' },
    outdir: 'dist',
  }),
  build({
    entryPoints: {
      player: 'src/player/main.ts',
      dashboard: 'src/player/dashboard.ts',
      news: 'src/player/news-page.ts',
      updates: 'src/player/updates-page.ts',
    },
    outdir: 'web/dist',
    bundle: true,
    // The player loads the swarm's code (libp2p, WebRTC) as a chunk of its own, after hls.js.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'browser',
    format: 'esm',
    target: 'chrome110',
    minify: true,
    plugins: [browserVariants],
    // webtorrent's source entry needs Node built-ins (path, stream, Buffer); its own browser build
    // is an ES module with those shims inside.
    alias: { webtorrent: 'webtorrent/dist/webtorrent.min.js' },
    // Some libp2p dependencies probe for Node built-ins they do not need in a browser.
    external: ['node:*'],
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    sourcemap: true,
    logLevel: 'warning',
  }),
]);
