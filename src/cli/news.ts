/** `swarmcast news post|follow`: a signed news list, posted once, verified by every follower. */
import { join } from 'node:path';
import type { SignedEnvelope } from '../contracts/channel.js';
import { UsageError } from '../errors.js';
import { ChannelFeed } from '../swarm/channel/channel-feed.js';
import { startChannelNode } from '../swarm/channel/channel-node.js';
import { createChannelStateStore } from '../swarm/channel/channel-state.js';
import { encodeEnvelope, signEnvelope } from '../swarm/channel/envelope.js';
import { SeederClient } from '../swarm/channel/seeder-client.js';
import { terminalText } from '../swarm/text/terminal-text.js';
import { expandHome, parseOrHelp, type CommandSpec } from './args.js';
import {
  adminClient,
  channelId,
  channelFlag,
  channelKey,
  dataDirFlag,
  durationMs,
  keyFlag,
  seederFlag,
  seederUrl,
  tokenFlag,
} from './channel-common.js';
import { untilShutdown } from './shutdown.js';

export const newsPostSpec: CommandSpec = {
  name: 'news post',
  summary: 'Sign a news item and post it to a channel through the seeder.',
  usage: 'swarmcast news post <name> --key <file> --seeder <url> "<text>" [--link <url>]',
  positionals: { min: 2, max: 2 },
  flags: {
    key: keyFlag,
    channel: channelFlag,
    link: { type: 'string', value: '<url>', description: 'a link to go with the item' },
    expires: {
      type: 'string',
      value: '<duration>',
      default: '365d',
      description: 'how long the item counts as current',
    },
    seeder: seederFlag,
    token: tokenFlag,
    'data-dir': dataDirFlag,
  },
};

export const newsFollowSpec: CommandSpec = {
  name: 'news follow',
  summary:
    "Follow a channel's news: the last 50 items on joining, then each new one as it arrives, each verified against the channel key. Runs until interrupted.",
  usage: 'swarmcast news follow <channel-id> [--seeder <url>]',
  positionals: { min: 1, max: 1 },
  flags: { seeder: seederFlag, 'data-dir': dataDirFlag },
};

export async function runNews(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'post') return post(rest);
  if (sub === 'follow') return follow(rest);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(
      `Signed news lists.\n\nUsage:\n  ${newsPostSpec.usage}\n  ${newsFollowSpec.usage}\n\nRun 'swarmcast news <post|follow> --help' for options.\n`,
    );
    return sub === undefined ? 2 : 0;
  }
  throw new UsageError(`news: unknown sub-command "${sub}" (post or follow)`);
}

async function post(argv: string[]): Promise<number> {
  const args = parseOrHelp(newsPostSpec, argv);
  if (!args) return 0;
  const [name, text] = args.positionals as [string, string];
  const key = channelKey(args.flags);
  const client = adminClient(args.flags);
  const info = await client.info(key.id);
  if (info.name !== name)
    throw new UsageError(`the key's channel is named "${info.name}" on the seeder, not "${name}"`);
  const now = Date.now();
  const link = typeof args.flags.link === 'string' ? args.flags.link : undefined;
  const envelope = signEnvelope(
    {
      channel: key.id,
      name,
      seq: info.nextSeq,
      issued: now,
      expires: now + durationMs('expires', String(args.flags.expires)),
      kind: 'news',
      body: { text, ...(link ? { link } : {}) },
    },
    key.secretKey,
  );
  await client.post(key.id, 'news', {
    envelope: new TextDecoder().decode(encodeEnvelope(envelope)),
  });
  process.stdout.write(`posted seq ${envelope.seq}\n`);
  return 0;
}

async function follow(argv: string[]): Promise<number> {
  const args = parseOrHelp(newsFollowSpec, argv);
  if (!args) return 0;
  const id = channelId(args.positionals[0]);
  const seeder = seederUrl(args.flags.seeder);
  const dataDir = expandHome(String(args.flags['data-dir']));
  const client = new SeederClient(seeder);
  const node = await startChannelNode(seeder);
  const feed = new ChannelFeed({
    channel: id,
    state: createChannelStateStore(join(dataDir, 'news')),
    seeder: client,
    node,
    onAccepted: (envelope) => printItem(envelope),
    onRefused: (error, source) =>
      process.stderr.write(
        `refused from ${source}: ${terminalText(error.message, { highlight: process.stderr.isTTY === true })}\n`,
      ),
  });
  try {
    await feed.start();
  } catch (error) {
    await node.stop();
    throw error;
  }
  process.stderr.write(`following channel ${id.slice(0, 8)}; Ctrl-C to stop\n`);
  await untilShutdown();
  feed.stop();
  await node.stop();
  return 0;
}

/**
 * One line per item. Its text and link come from the channel's author: printed through
 * `terminalText`, so an ESC, a line feed or an RLO in them shows as ⟨ESC⟩, ⟨LF⟩, ⟨RLO⟩ instead of
 * acting on the terminal or faking the next item's line.
 */
function printItem(envelope: SignedEnvelope): void {
  if (envelope.kind !== 'news') return;
  const safe = (text: string) => terminalText(text, { highlight: process.stdout.isTTY === true });
  const when = new Date(envelope.issued).toISOString().slice(0, 16).replace('T', ' ');
  const link = envelope.body.link ? `  ${safe(envelope.body.link)}` : '';
  process.stdout.write(`[${when}] #${envelope.seq} ${safe(envelope.body.text)}${link}\n`);
}
