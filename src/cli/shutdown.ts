/**
 * Waits for SIGINT or SIGTERM. A hard deadline makes sure the process exits within 3 s of the
 * signal even if some socket will not close; a second signal exits at once.
 */
const HARD_EXIT_MS = 2_800;

export function untilShutdown(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      setTimeout(() => process.exit(0), HARD_EXIT_MS).unref();
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
