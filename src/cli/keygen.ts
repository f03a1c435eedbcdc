/** `swarmcast keygen`: a new ed25519 key for a channel (or a stream), written with mode 0600. */
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { generateKeyPair, writeKeyFile } from '../seeder/stream-key.js';
import { bytesToHex } from '../swarm/hex.js';
import { parseOrHelp, type CommandSpec } from './args.js';

export const keygenSpec: CommandSpec = {
  name: 'keygen',
  summary:
    'Create an ed25519 key file (mode 0600) for a signed channel; never overwrites an existing file.',
  usage: 'swarmcast keygen --out <file>',
  flags: {
    out: { type: 'string', value: '<file>', description: 'where to write the key (required)' },
  },
};

export function runKeygen(argv: string[]): Promise<number> {
  const args = parseOrHelp(keygenSpec, argv);
  if (!args) return Promise.resolve(0);
  if (typeof args.flags.out !== 'string' || args.flags.out === '')
    throw new UsageError('keygen: --out <file> is required');
  const path = resolve(args.flags.out);
  const key = generateKeyPair();
  writeKeyFile(path, key);
  process.stdout.write(`${bytesToHex(key.publicKey)}\n`);
  process.stderr.write(
    `wrote ${path} (keep it secret: whoever holds it can publish to the channel)\n` +
      'the line above is the public key, which is also the channel id\n',
  );
  return Promise.resolve(0);
}
