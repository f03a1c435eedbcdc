/**
 * Runs the real `swarmcast` CLI as a child process (the built bin, as a user would), collects its
 * output, and makes sure it is gone at the end of the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/swarmcast.js', import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout match of `pattern`, or rejects on exit or time-out. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop: (graceMs?: number) => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  function waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = out.match(pattern);
        if (match) {
          cleanup();
          resolve(match);
        }
      };
      const onClose = () => {
        cleanup();
        reject(new Error(`process exited before ${pattern}: ${err || out}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${pattern}; stdout: ${out} stderr: ${err}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        child.stdout.off('data', check);
        child.off('close', onClose);
      };
      child.stdout.on('data', check);
      child.once('close', onClose);
      check();
    });
  }

  async function stop(graceMs = 5_000) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    }
    return exited;
  }

  return { child, stdout: () => out, stderr: () => err, waitFor, exited, stop };
}

/** Starts a broadcast on a free port on loopback and resolves with its base URL. */
export async function startBroadcast(
  args: string[] = [],
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ cli: CliProcess; url: string }> {
  const cli = runCli(
    [
      'broadcast',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--resolution',
      '426x240',
      '--video-bitrate',
      '400k',
      '--fps',
      '25',
      '--data-dir',
      dataDir,
      ...args,
    ],
    env,
  );
  const match = await cli.waitFor(/player: +(http:\/\/127\.0\.0\.1:\d+)/);
  return { cli, url: match[1]! };
}
