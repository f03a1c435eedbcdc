/**
 * The console logger: info to stdout, problems to stderr, debug only with --verbose. Every message
 * is printed through `terminalText`: log lines quote what peers send (versions, refusals, file
 * names), and no control or bidi character of theirs may reach the terminal.
 */
import type { Logger } from '../swarm/logger.js';
import { terminalText } from '../swarm/text/terminal-text.js';

export { silentLogger, type Logger } from '../swarm/logger.js';

export function consoleLogger(verbose: boolean): Logger {
  const out = (message: string) =>
    console.log(terminalText(message, { highlight: process.stdout.isTTY === true }));
  const err = (message: string) =>
    console.error(terminalText(message, { highlight: process.stderr.isTTY === true }));
  return {
    info: out,
    warn: err,
    debug: (message) => {
      if (verbose) err(`[debug] ${message}`);
    },
  };
}
