/** A tiny leveled logger: info to stdout, problems to stderr, debug only with --verbose. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export function consoleLogger(verbose: boolean): Logger {
  return {
    info: (message) => console.log(message),
    warn: (message) => console.error(message),
    debug: (message) => {
      if (verbose) console.error(`[debug] ${message}`);
    },
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };
