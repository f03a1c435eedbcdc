/** `swarmcast channel create`: register a channel's key with a seeder. */
import { UsageError } from '../errors.js';
import { signRegistration } from '../swarm/channel/registration.js';
import { parseOrHelp, type CommandSpec } from './args.js';
import {
  adminClient,
  channelKey,
  dataDirFlag,
  keyFlag,
  seederFlag,
  tokenFlag,
} from './channel-common.js';

export const channelCreateSpec: CommandSpec = {
  name: 'channel create',
  summary:
    'Register a channel with a seeder: its name and public key (the key signs the request). Prints the channel id.',
  usage: 'swarmcast channel create <name> --key <file> --seeder <url>',
  positionals: { min: 1, max: 1 },
  flags: { key: keyFlag, seeder: seederFlag, token: tokenFlag, 'data-dir': dataDirFlag },
};

export async function runChannelCreate(argv: string[]): Promise<number> {
  const args = parseOrHelp(channelCreateSpec, argv);
  if (!args) return 0;
  const name = args.positionals[0]!;
  if (!/^[a-z0-9._-]{1,64}$/.test(name))
    throw new UsageError(`a channel name is 1-64 of a-z 0-9 . _ -, got "${name}"`);
  const key = channelKey(args.flags);
  const client = adminClient(args.flags);
  const info = await client.register(name, key.id, signRegistration(name, key.secretKey));
  process.stdout.write(`${info.id}\n`);
  process.stderr.write(
    `channel "${name}" is registered with ${client.base}\n` +
      `subscribers follow it with: swarmcast channel subscribe ${info.id} --into <dir> --seeder ${client.base}\n`,
  );
  return 0;
}
