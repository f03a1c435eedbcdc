/**
 * bench:updates — one release to N subscribers, two ways, with the same origin uplink:
 *  1. Swarmcast: `swarmcast serve` + N `channel subscribe` processes; the release is published
 *     and each subscriber downloads (peers first), verifies and installs it.
 *  2. HTTP: the same N downloads straight from an origin HTTP server capped at the same uplink,
 *     each verified (SHA-256) and written to disk.
 * Prints time to all-installed and the origin's egress for each payload size.
 *
 *   npm run bench:updates -- [--sizes 10,100] [--subscribers 6] [--uplink 10]   (MB, MB/s)
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { startChannel, subscribeArgs } from '../test/helpers/channel-cli.js';
import { runCli, type CliProcess } from '../test/helpers/cli-process.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,100' },
    subscribers: { type: 'string', default: '6' },
    uplink: { type: 'string', default: '10' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const subscriberCount = Number(values.subscribers);
const uplinkMBps = Number(values.uplink);
if (sizes.some((s) => !(s > 0)) || !(subscriberCount > 0) || !(uplinkMBps > 0))
  throw new Error('--sizes, --subscribers and --uplink must be positive numbers');

const processes: CliProcess[] = [];
const cli = (args: string[]) => {
  const child = runCli(args);
  processes.push(child);
  return child;
};
const finished = async (args: string[]) => {
  const child = cli(args);
  const { code } = await child.exited;
  if (code !== 0) throw new Error(`swarmcast ${args[0]} ${args[1]} failed: ${child.stderr()}`);
  return child.stdout();
};

async function swarmcast(
  scratch: string,
  file: string,
): Promise<{ seconds: number; egress: number }> {
  const {
    seeder,
    url,
    token,
    id,
    keyFile: key,
  } = await startChannel(scratch, 'bench', ['--upload-limit', String(uplinkMBps)]);
  processes.push(seeder);
  const subscribers = Array.from({ length: subscriberCount }, (_, n) =>
    cli(subscribeArgs(scratch, id, n, url)),
  );
  await Promise.all(subscribers.map((s) => s.waitFor(/DHT node:/, 60_000)));
  const started = performance.now();
  await finished([
    'channel',
    'publish',
    'bench',
    '--key',
    key,
    '--version',
    '1',
    '--file',
    file,
    '--seeder',
    url,
    '--token',
    token,
  ]);
  const each = await Promise.all(
    subscribers.map(async (s) => {
      await s.waitFor(/installed 1 into/, 30 * 60_000);
      return ((performance.now() - started) / 1000).toFixed(1);
    }),
  );
  console.error(`  swarmcast: each subscriber installed after ${each.join(', ')} s`);
  const seconds = (performance.now() - started) / 1000;
  const stats = (await (await fetch(`${url}/api/channels`)).json()) as {
    originUpload: { peers: number; webSeed: number };
  };
  await Promise.all(processes.splice(0).map((p) => p.stop(3_000)));
  return { seconds, egress: stats.originUpload.peers + stats.originUpload.webSeed };
}

/** An origin that streams one file to everyone, all responses sharing `bytesPerSecond`. */
async function http(scratch: string, file: string): Promise<{ seconds: number; egress: number }> {
  const bytesPerSecond = uplinkMBps * 1e6;
  let egress = 0;
  let budgetAt = performance.now();
  let budget = 0;
  const take = async (bytes: number) => {
    for (;;) {
      const now = performance.now();
      budget = Math.min(bytesPerSecond / 4, budget + ((now - budgetAt) / 1000) * bytesPerSecond);
      budgetAt = now;
      if (budget >= bytes) {
        budget -= bytes;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': statSync(file).size });
    void (async () => {
      for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
        await take((chunk as Buffer).length);
        egress += (chunk as Buffer).length;
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/release.bin`;
  const expected = createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
  const started = performance.now();
  await Promise.all(
    Array.from({ length: subscriberCount }, async (_, n) => {
      const response = await fetch(url);
      const hash = createHash('sha256');
      const out = join(scratch, `http-${n}.bin`);
      const body = response.body!;
      const tee = body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            hash.update(chunk);
            controller.enqueue(chunk);
          },
        }),
      );
      await pipeline(Readable.fromWeb(tee as never), createWriteStream(out));
      if (hash.digest('hex') !== expected) throw new Error(`HTTP download ${n} is corrupt`);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  server.close();
  return { seconds, egress };
}

const rows: string[] = [];
try {
  for (const size of sizes) {
    const scratch = mkdtempSync(join(tmpdir(), 'swarmcast-bench-updates-'));
    try {
      const file = join(scratch, 'release.bin');
      await writeFile(file, randomBytes(size * 1e6));
      const swarm = await swarmcast(scratch, file);
      console.error(`done: swarmcast ${size} MB`);
      const plain = await http(scratch, file);
      console.error(`done: http ${size} MB`);
      const payload = size * 1e6;
      for (const [name, r] of [
        ['swarmcast', swarm],
        ['http', plain],
      ] as const) {
        rows.push(
          [
            name.padEnd(10),
            String(size).padStart(10),
            String(subscriberCount).padStart(11),
            r.seconds.toFixed(1).padStart(14),
            (r.egress / 1e6).toFixed(1).padStart(12),
            `${(r.egress / payload).toFixed(2)}x`.padStart(15),
          ].join('  '),
        );
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  console.log(
    `bench:updates  ${new Date().toISOString()}  origin uplink ${uplinkMBps} MB/s for both, ${subscriberCount} subscribers, 2-core machine, loopback`,
  );
  console.log('mode        payload MB  subscribers  all installed s  origin MB  origin/payload');
  for (const row of rows) console.log(row);
} finally {
  await Promise.all(processes.splice(0).map((p) => p.stop(3_000)));
}
