/**
 * Spawning ffmpeg so that it never outlives the seeder. ffmpeg ignores its stdin closing and a
 * test source or an RTMP listener never ends, so a seeder killed with SIGKILL (or by the OOM
 * killer, or a crash past the exit handlers) would leave an encoder running forever.
 *
 * On POSIX systems ffmpeg starts in its own process group next to a watcher that waits for end
 * of file on a pipe from the seeder: the kernel closes that pipe however the seeder ends, and
 * the watcher then kills its group. The shell `exec`s ffmpeg, so the child's pid, signals and
 * exit status are ffmpeg's own. A process group id is not reused while the watcher lives, so the
 * kill can only reach ffmpeg and the watcher.
 */
import { spawn, type ChildProcess } from 'node:child_process';

// A background list's stdin is /dev/null in a non-interactive shell, so the pipe goes in as fd 3.
// Only shell builtins (`read`, `kill`): a PATH without coreutils must not kill ffmpeg at once.
const WATCHED =
  'exec 3<&0; (while read -r _; do :; done <&3; kill -KILL 0) >/dev/null 2>&1 & exec "$@" </dev/null 3<&-';

/** Starts ffmpeg with stdout ignored and stderr piped, tied to this process's lifetime. */
export function spawnFfmpeg(ffmpegPath: string, args: string[]): ChildProcess {
  if (process.platform === 'win32')
    return spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const child = spawn('/bin/sh', ['-c', WATCHED, 'swarmcast-ffmpeg', ffmpegPath, ...args], {
    stdio: ['pipe', 'ignore', 'pipe'],
    // Its own group, so the watcher's `kill 0` reaches ffmpeg and itself and nothing else.
    detached: true,
  });
  // The watcher's pipe: nothing is ever written; when ffmpeg ends on its own, closing it lets the
  // watcher end too.
  child.stdin?.on('error', () => undefined);
  child.once('exit', () => child.stdin?.destroy());
  return child;
}
