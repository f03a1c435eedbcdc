// Builds the Node entry points into dist/ and the browser player into web/dist/.
import { build } from 'esbuild';

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
    entryPoints: { player: 'src/player/main.ts' },
    outdir: 'web/dist',
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'chrome110',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  }),
]);
