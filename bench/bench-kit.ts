/** What every benchmark needs: a real seeder on loopback, and percentiles. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../test/helpers/cli-process.js';

export interface BenchSeeder {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `swarmcast broadcast` on 127.0.0.1 with its own data dir; `stop` removes both. */
export async function startBenchSeeder(args: string[]): Promise<BenchSeeder> {
  const dataDir = mkdtempSync(join(tmpdir(), 'swarmcast-bench-'));
  const cli = runCli([
    'broadcast',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    ...args,
  ]);
  const stop = async () => {
    await cli.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = (await cli.waitFor(/player: +(http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    return { url, pid: cli.child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The value below which `fraction` of `values` lie (NaN for none). */
export function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}
