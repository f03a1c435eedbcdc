/** The `swarmcast` command: dispatches to sub-commands and turns errors into one clear line. */
import { RuntimeError, UsageError } from '../errors.js';
import { terminalText } from '../swarm/text/terminal-text.js';
import { runBroadcast } from './broadcast.js';
import { runChannel } from './channel.js';
import { runKeygen } from './keygen.js';
import { runNews } from './news.js';
import { runRelay } from './relay.js';
import { runServe } from './serve.js';

interface Command {
  summary: string;
  run: (argv: string[]) => Promise<number>;
}

const commands: Record<string, Command> = {
  broadcast: {
    summary: 'broadcast a live stream (test source, file or RTMP) and serve the player',
    run: runBroadcast,
  },
  relay: {
    summary:
      'join a broadcast as a headless peer and pass the stream on (optionally as an HLS edge)',
    run: runRelay,
  },
  serve: {
    summary: 'run the seeder without a live stream: signed channels, pages, API',
    run: runServe,
  },
  keygen: { summary: 'create an ed25519 key file for a channel', run: runKeygen },
  channel: {
    summary: 'product-update channels: create, publish, subscribe, rotate',
    run: runChannel,
  },
  news: { summary: 'signed news lists: post, follow', run: runNews },
};

function topHelp(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length)) + 4;
  const rows = Object.entries(commands).map(
    ([name, command]) => `  ${name.padEnd(width)}${command.summary}`,
  );
  return [
    'swarmcast: live broadcast and signed channels over a peer-to-peer swarm',
    '',
    'Usage: swarmcast <command> [options]',
    '',
    'Commands:',
    ...rows,
    '',
    "Run 'swarmcast <command> --help' for a command's options.",
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const verbose = rest.includes('--verbose') || rest.includes('-v');
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(topHelp());
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-V') {
      const { version } = await import('./version.js');
      process.stdout.write(`${version}\n`);
      return 0;
    }
    const command = commands[name];
    if (!command) throw new UsageError(`unknown command "${name}" (see 'swarmcast --help')`);
    return await command.run(rest);
  } catch (error) {
    return reportError(error, verbose);
  }
}

function reportError(error: unknown, verbose: boolean): number {
  // A message can quote what a peer sent (a refused envelope, a file name): printed escaped, on
  // one line. A stack trace keeps its own line breaks.
  const say = (message: string) => process.stderr.write(`swarmcast: ${terminalText(message)}\n`);
  const stack = (trace: string) =>
    process.stderr.write(
      `${trace
        .split('\n')
        .map((line) => terminalText(line))
        .join('\n')}\n`,
    );
  if (error instanceof UsageError || error instanceof RuntimeError) {
    say(error.message);
    if (verbose && error.stack) stack(error.stack);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  say(`${message}${verbose ? '' : ' (--verbose for details)'}`);
  if (verbose && error instanceof Error && error.stack) stack(error.stack);
  return 1;
}
