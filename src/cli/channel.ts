/** `swarmcast channel create|publish|subscribe`: product-update channels. */
import { UsageError } from '../errors.js';
import { channelCreateSpec, runChannelCreate } from './channel-create.js';
import { channelPublishSpec, runChannelPublish } from './channel-publish.js';
import { channelRotateSpec, runChannelRotate } from './channel-rotate.js';
import { channelSubscribeSpec, runChannelSubscribe } from './channel-subscribe.js';

const subcommands: Record<string, { usage: string; run: (argv: string[]) => Promise<number> }> = {
  create: { usage: channelCreateSpec.usage, run: runChannelCreate },
  publish: { usage: channelPublishSpec.usage, run: runChannelPublish },
  subscribe: { usage: channelSubscribeSpec.usage, run: runChannelSubscribe },
  rotate: { usage: channelRotateSpec.usage, run: runChannelRotate },
};

export async function runChannel(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const command = sub ? subcommands[sub] : undefined;
  if (command) return command.run(rest);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    const lines = Object.values(subcommands).map((c) => `  ${c.usage}`);
    process.stdout.write(
      `Signed product-update channels.\n\nUsage:\n${lines.join('\n')}\n\nRun 'swarmcast channel <create|publish|subscribe|rotate> --help' for options.\n`,
    );
    return sub === undefined ? 2 : 0;
  }
  throw new UsageError(
    `channel: unknown sub-command "${sub}" (create, publish, subscribe or rotate)`,
  );
}
