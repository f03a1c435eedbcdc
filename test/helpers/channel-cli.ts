/** `swarmcast serve` on loopback for the channel tests: its URL and admin token. */
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
