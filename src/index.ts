/** The library API: embed a Swarmcast origin in your own program. */
export { startSeeder, type Seeder } from './seeder/seeder.js';
export type { BroadcastConfig, EncodeProfile, SourceSpec } from './seeder/config.js';
export { DEFAULT_PROFILE, DEFAULTS } from './seeder/config.js';
export type { ApiStats, PeerStats, IngestStats } from './contracts/stats.js';
export { consoleLogger, silentLogger, type Logger } from './seeder/logger.js';
export { UsageError, RuntimeError } from './errors.js';
