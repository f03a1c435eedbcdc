/**
 * One installer per install directory, Node only: a lock file holding the owner's pid. A lock left
 * by a process that died (SIGKILL, power cut) is taken over, since resuming after a crash is the
 * normal case. Best effort against running two subscribers into one directory by accident, not a
 * guarantee between processes racing to take over the same stale lock.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../../errors.js';

export const LOCK_NAME = '.install.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `dir`; the returned function releases it. */
export async function lockInstallDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isSafeInteger(owner) && owner > 0 && alive(owner)) {
      throw new RuntimeError(`${dir} is being installed into by process ${owner}`);
    }
    await rm(path, { force: true });
  }
  throw new RuntimeError(`cannot take the install lock ${path}`);
}
