/**
 * `swarmcast channel rotate`: hand a channel to a new key. The current key signs the rotation;
 * subscribers follow it, and from then on refuse anything the retired key signs.
 */
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { readKeyFile } from '../seeder/stream-key.js';
import { encodeEnvelope, signEnvelope } from '../swarm/channel/envelope.js';
import { bytesToHex } from '../swarm/hex.js';
import { parseOrHelp, type CommandSpec } from './args.js';
import {
  adminClient,
  channelFlag,
  channelKey,
  dataDirFlag,
  keyFlag,
  seederFlag,
  tokenFlag,
} from './channel-common.js';

export const channelRotateSpec: CommandSpec = {
  name: 'channel rotate',
  summary:
    'Move a channel to a new signing key: the current key signs the hand-over, subscribers follow it, and the old key is refused from then on. The channel id stays the same.',
  usage: 'swarmcast channel rotate <name> --key <current> --new-key <file> --seeder <url>',
  positionals: { min: 1, max: 1 },
  flags: {
    key: keyFlag,
    'new-key': { type: 'string', value: '<file>', description: 'the key to sign with from now on' },
    channel: channelFlag,
    seeder: seederFlag,
    token: tokenFlag,
    'data-dir': dataDirFlag,
  },
};

export async function runChannelRotate(argv: string[]): Promise<number> {
  const args = parseOrHelp(channelRotateSpec, argv);
  if (!args) return 0;
  const name = args.positionals[0]!;
  const key = channelKey(args.flags);
  const next = args.flags['new-key'];
  if (typeof next !== 'string' || !next) throw new UsageError('--new-key <file> is required');
  const newKey = bytesToHex(readKeyFile(resolve(next)).publicKey);
  const client = adminClient(args.flags);
  const info = await client.info(key.id);
  if (info.name !== name)
    throw new UsageError(`the channel is named "${info.name}" on the seeder, not "${name}"`);
  const now = Date.now();
  const envelope = signEnvelope(
    {
      channel: key.id,
      name,
      seq: info.nextSeq,
      issued: now,
      // Subscribers never let a rotation expire (a late one must still walk the chain of keys).
      expires: now + 10 * 365 * 86_400_000,
      kind: 'key-rotation',
      body: { newKey },
    },
    key.secretKey,
  );
  await client.post(key.id, 'rotations', {
    envelope: new TextDecoder().decode(encodeEnvelope(envelope)),
  });
  process.stdout.write(`rotated seq ${envelope.seq}\n`);
  process.stderr.write(
    `channel ${key.id.slice(0, 8)} now signs with ${newKey.slice(0, 8)}; publish with --key <new key> --channel ${key.id}\n`,
  );
  return 0;
}
