/** `swarmcast serve`: the seeder without a live stream, carrying signed channels. */
import { adminTokenPath } from '../seeder/channels/admin-token.js';
import { DEFAULT_PROFILE, DEFAULTS, type BroadcastConfig } from '../seeder/config.js';
import { consoleLogger } from '../seeder/logger.js';
import { startSeeder } from '../seeder/seeder.js';
import { formatHelp, parseCommandArgs, type CommandSpec } from './args.js';
import { seederConfig, seederFlags } from './seeder-flags.js';
import { untilShutdown } from './shutdown.js';

export const serveSpec: CommandSpec = {
  name: 'serve',
  summary:
    'Run the seeder without a live stream: signed channels (updates, news), web pages, the swarm bootstrap, tracker and DHT node, and the HTTP API.',
  usage: 'swarmcast serve [options]',
  flags: {
    ...seederFlags,
    verbose: { type: 'boolean', short: 'v', default: false, description: 'log debug detail' },
  },
};

export function parseServeArgs(argv: string[]): BroadcastConfig | 'help' {
  const args = parseCommandArgs(serveSpec, argv);
  if (args.help) return 'help';
  const f = args.flags;
  return {
    source: { kind: 'none' },
    profile: DEFAULT_PROFILE,
    stream: DEFAULTS.stream,
    maxChildren: DEFAULTS.maxChildren,
    playlistSegments: DEFAULTS.playlistSegments,
    retainSegments: DEFAULTS.retainSegments,
    ...seederConfig(f),
    verbose: f.verbose === true,
  };
}

export async function runServe(argv: string[]): Promise<number> {
  const config = parseServeArgs(argv);
  if (config === 'help') {
    process.stdout.write(formatHelp(serveSpec));
    return 0;
  }
  const log = consoleLogger(config.verbose);
  const seeder = await startSeeder(config, log);
  log.info('Swarmcast is serving signed channels');
  log.info(`  seeder:      ${seeder.url}`);
  log.info(`  channels:    ${seeder.url}/api/channels`);
  log.info(`  admin token: ${seeder.adminToken} (also in ${adminTokenPath(config.dataDir)})`);
  log.info('Press Ctrl-C to stop.');
  const signal = await untilShutdown();
  log.info(`${signal}: stopping`);
  await seeder.stop();
  return 0;
}
