/** `swarmcast serve` on loopback for the channel tests: its URL and admin token. */
import { join } from 'node:path';
import { runCli, type CliProcess } from './cli-process.js';

export async function startServe(
  dataDir: string,
  extra: string[] = [],
): Promise<{ seeder: CliProcess; url: string; token: string }> {
  const seeder = runCli([
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    ...extra,
  ]);
  try {
    const url = (await seeder.waitFor(/seeder: +(http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    const token = (await seeder.waitFor(/admin token: (\S+)/))[1]!;
    return { seeder, url, token };
  } catch (error) {
    await seeder.stop();
    throw error;
  }
}

/** Runs a CLI command to its end; throws with its stderr unless it exits 0. Resolves its stdout. */
export async function runToEnd(args: string[]): Promise<string> {
  const child = runCli(args);
  const { code } = await child.exited;
  if (code !== 0)
    throw new Error(`swarmcast ${args.slice(0, 2).join(' ')} exited ${code}: ${child.stderr()}`);
  return child.stdout();
}

/** `channel subscribe` for subscriber `n`, each with its own install and data folders. */
export function subscribeArgs(scratch: string, id: string, n: number, url: string): string[] {
  return [
    'channel',
    'subscribe',
    id,
    '--into',
    join(scratch, `install-${n}`),
    '--data-dir',
    join(scratch, `sub-${n}`),
    '--seeder',
    url,
  ];
}

export interface ServedChannel {
  seeder: CliProcess;
  url: string;
  token: string;
  id: string;
  keyFile: string;
  /** `--key <file> --seeder <url> --token <token>`, for publish and post. */
  auth: string[];
}

/** A `serve` seeder in `dir` with one channel, `name`, registered under a new key. */
export async function startChannel(
  dir: string,
  name: string,
  serveArgs: string[] = [],
): Promise<ServedChannel> {
  const served = await startServe(join(dir, 'seeder'), serveArgs);
  try {
    const keyFile = join(dir, `${name}.key`);
    await runToEnd(['keygen', '--out', keyFile]);
    const auth = ['--key', keyFile, '--seeder', served.url, '--token', served.token];
    const id = (await runToEnd(['channel', 'create', name, ...auth])).trim();
    if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`channel create printed "${id}", not an id`);
    return { ...served, id, keyFile, auth };
  } catch (error) {
    await served.seeder.stop();
    throw error;
  }
}
