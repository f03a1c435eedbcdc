/**
 * Durable file-system steps, Node only. A rename is atomic but not durable until the directory
 * holding it is fsynced; a file's bytes are not durable until the file is. Without both, a power
 * cut can leave a renamed name pointing at empty or missing data.
 */
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsyncs a file or a directory by path. */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with `data` so that a crash leaves either the old or the new content: write a
 * temp file beside it, fsync, rename over, fsync the directory. The temp name is fixed, so a
 * leftover from a crash is simply overwritten next time (one writer per file is assumed).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode = 0o600,
): Promise<void> {
  const temp = `${path}.tmp`;
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, path);
  await fsyncPath(dirname(path));
}
