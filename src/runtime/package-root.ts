/** The installed package's root folder, found from this module whether it runs bundled or not. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'web'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('swarmcast: cannot find the package root');
    dir = parent;
  }
  cached = dir;
  return dir;
}
