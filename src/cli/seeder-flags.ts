/** The flags every seeder command (broadcast, serve) shares, and how they become config. */
import { DEFAULTS, type BroadcastConfig } from '../seeder/config.js';
import { expandHome, intFlag, type FlagSpec } from './args.js';
import { uploadLimitFlag } from './channel-common.js';

export const seederFlags: Record<string, FlagSpec> = {
  port: {
    type: 'string',
    value: '<port>',
    default: String(DEFAULTS.port),
    description: 'HTTP port (0 picks a free one)',
  },
  host: {
    type: 'string',
    value: '<address>',
    default: DEFAULTS.host,
    description: 'address to listen on',
  },
  'swarm-port': {
    type: 'string',
    value: '<port>',
    default: String(DEFAULTS.swarmPort),
    description: 'libp2p TCP port for the swarm (0 picks a free one)',
  },
  'upload-limit': {
    type: 'string',
    value: '<MB/s>',
    default: String(DEFAULTS.bulkUploadLimit / 1e6),
    description:
      "how fast the seeder uploads release files, in MB/s, to peers and over its web seed together; kept below the subscribers' own speed, they fetch from each other and the origin sends a few copies",
  },
  'data-dir': {
    type: 'string',
    value: '<dir>',
    default: '~/.swarmcast',
    description: 'where keys, channels, uploads, the admin token and scratch files live',
  },
};

type SeederFields = Pick<
  BroadcastConfig,
  'port' | 'host' | 'swarmPort' | 'dataDir' | 'bulkUploadLimit' | 'dhtPort' | 'maxUploadBytes'
>;

export function seederConfig(f: Record<string, unknown>): SeederFields {
  return {
    port: intFlag('port', f.port, 0, 65535),
    host: String(f.host),
    swarmPort: intFlag('swarm-port', f['swarm-port'], 0, 65535),
    dataDir: expandHome(String(f['data-dir'])),
    bulkUploadLimit: uploadLimitFlag(f['upload-limit']),
    dhtPort: DEFAULTS.dhtPort,
    maxUploadBytes: DEFAULTS.maxUploadBytes,
  };
}
