/** The console logger: info to stdout, problems to stderr, debug only with --verbose. */
import type { Logger } from '../swarm/logger.js';

export { silentLogger, type Logger } from '../swarm/logger.js';

export function consoleLogger(verbose: boolean): Logger {
  return {
    info: (message) => console.log(message),
    warn: (message) => console.error(message),
    debug: (message) => {
      if (verbose) console.error(`[debug] ${message}`);
    },
  };
}
