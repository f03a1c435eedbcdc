/** `swarmcast channel subscribe`: install each new release of a channel, verified, and pass it on. */
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { consoleLogger } from '../seeder/logger.js';
import { startUpdateSubscriber } from '../swarm/channel/update-subscriber.js';
import { expandHome, parseOrHelp, type CommandSpec } from './args.js';
import { channelId, dataDirFlag, seederFlag, seederUrl } from './channel-common.js';
import { Progress } from './progress.js';
import { untilShutdown } from './shutdown.js';

export const channelSubscribeSpec: CommandSpec = {
  name: 'channel subscribe',
  summary:
    "Subscribe to a channel's releases: find the newest (seeder, gossip or DHT; only the signature is trusted), download it from peers (the seeder's web seed as fallback), check every file's length and SHA-256, install it atomically into <dir>/<version>/, point <dir>/current at it, run --exec, and keep seeding. Runs until interrupted.",
  usage: 'swarmcast channel subscribe <channel-id> --into <dir> [--exec <cmd>] [--seeder <url>]',
  positionals: { min: 1, max: 1 },
  flags: {
    into: { type: 'string', value: '<dir>', description: 'install directory (required)' },
    exec: {
      type: 'string',
      value: '<cmd>',
      description: 'run after each install (env: SWARMCAST_VERSION, SWARMCAST_DIR)',
    },
    seeder: seederFlag,
    name: {
      type: 'string',
      value: '<name>',
      description: "the channel's name, to look it up in the DHT when the seeder is down",
    },
    'dht-bootstrap': {
      type: 'string',
      value: '<host:port>',
      multiple: true,
      description: 'a DHT node to start from (repeatable), besides the seeder',
    },
    'data-dir': dataDirFlag,
    verbose: { type: 'boolean', short: 'v', default: false, description: 'log debug detail' },
  },
};

export async function runChannelSubscribe(argv: string[]): Promise<number> {
  const args = parseOrHelp(channelSubscribeSpec, argv);
  if (!args) return 0;
  const f = args.flags;
  const id = channelId(args.positionals[0]);
  if (typeof f.into !== 'string' || !f.into) throw new UsageError('--into <dir> is required');
  const bootstrap = Array.isArray(f['dht-bootstrap']) ? f['dht-bootstrap'] : [];
  for (const entry of bootstrap) {
    if (!/^[\w.-]+:\d{1,5}$/.test(entry) && !/^\[[0-9a-f:]+\]:\d{1,5}$/i.test(entry))
      throw new UsageError(`--dht-bootstrap must be host:port, got "${entry}"`);
  }
  const log = consoleLogger(f.verbose === true);
  const progress = new Progress(process.stderr);
  const subscriber = await startUpdateSubscriber({
    channel: id,
    into: resolve(f.into),
    dataDir: expandHome(String(f['data-dir'])),
    seeder: seederUrl(f.seeder),
    ...(typeof f.name === 'string' ? { name: f.name } : {}),
    dhtBootstrap: bootstrap,
    ...(typeof f.exec === 'string' ? { exec: f.exec } : {}),
    log,
    onProgress: (label, done, total) => progress.update(label, done, total),
  });
  log.info(`subscribed to channel ${id.slice(0, 8)}; installing into ${resolve(f.into)}`);
  log.info(`  DHT node: ${subscriber.bulk.dhtAddress() ?? 'none'}`);
  const signal = await untilShutdown();
  log.info(`${signal}: stopping`);
  await subscriber.stop();
  return 0;
}
