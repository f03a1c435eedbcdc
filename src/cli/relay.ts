/** `swarmcast relay`: a headless peer that joins the live tree and passes the stream on. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RuntimeError, UsageError } from '../errors.js';
import { createHttpOrigin } from '../seeder/http-origin.js';
import { consoleLogger } from '../seeder/logger.js';
import { OriginStats } from '../seeder/origin-stats.js';
import { closeServer, listenHttp } from '../seeder/http-listen.js';
import { startSwarmPeer, type SwarmPeer } from '../swarm/peer.js';
import { formatHelp, intFlag, parseCommandArgs, type CommandSpec } from './args.js';
import { untilShutdown } from './shutdown.js';

export const relaySpec: CommandSpec = {
  name: 'relay',
  summary:
    'Join a broadcast as a headless peer: receive the live stream from the nearest peer and pass it on.',
  usage: 'swarmcast relay --seeder <url> [options]',
  flags: {
    seeder: {
      type: 'string',
      value: '<url>',
      description: "the origin's HTTP address, e.g. http://host:8080 (required)",
    },
    'max-children': {
      type: 'string',
      value: '<n>',
      default: '3',
      description: 'peers this relay feeds (its upload slots)',
    },
    host: {
      type: 'string',
      value: '<address>',
      default: '0.0.0.0',
      description: 'address to listen on for peers',
    },
    port: {
      type: 'string',
      value: '<port>',
      default: '0',
      description: 'libp2p TCP port (0 picks a free one)',
    },
    announce: {
      type: 'string',
      value: '<multiaddrs>',
      description:
        'comma-separated addresses to give out instead of the listen ones (port forwarding)',
    },
    serve: {
      type: 'string',
      value: '<port>',
      description: 'also serve the verified stream as plain HLS on this port',
    },
    verbose: {
      type: 'boolean',
      short: 'v',
      default: false,
      description: 'debug detail and stack traces',
    },
  },
};

export interface RelayConfig {
  seeder: string;
  maxChildren: number;
  host: string;
  port: number;
  announce: string[];
  serve: number | undefined;
  verbose: boolean;
}

export function parseRelayArgs(argv: string[]): RelayConfig | 'help' {
  const args = parseCommandArgs(relaySpec, argv);
  if (args.help) return 'help';
  const f = args.flags;
  if (typeof f.seeder !== 'string') throw new UsageError('relay: --seeder <url> is required');
  let seeder: URL;
  try {
    seeder = new URL(f.seeder);
  } catch {
    throw new UsageError(`--seeder must be a URL such as http://host:8080, got "${f.seeder}"`);
  }
  if (seeder.protocol !== 'http:' && seeder.protocol !== 'https:') {
    throw new UsageError(`--seeder must be an http(s) URL, got "${f.seeder}"`);
  }
  const announce = typeof f.announce === 'string' ? f.announce.split(',').filter(Boolean) : [];
  for (const addr of announce) {
    if (!addr.startsWith('/'))
      throw new UsageError(
        `--announce takes multiaddrs such as /ip4/1.2.3.4/tcp/4001, got "${addr}"`,
      );
  }
  return {
    seeder: seeder.origin,
    maxChildren: intFlag('max-children', f['max-children'], 0, 1000),
    host: String(f.host),
    port: intFlag('port', f.port, 0, 65535),
    announce,
    serve: f.serve === undefined ? undefined : intFlag('serve', f.serve, 0, 65535),
    verbose: f.verbose === true,
  };
}

export async function runRelay(argv: string[]): Promise<number> {
  const config = parseRelayArgs(argv);
  if (config === 'help') {
    process.stdout.write(formatHelp(relaySpec));
    return 0;
  }
  const log = consoleLogger(config.verbose);
  const ip = config.host.includes(':') ? 'ip6' : 'ip4';
  let peer: SwarmPeer | undefined;
  try {
    peer = await startSwarmPeer({
      seeder: config.seeder,
      kind: 'relay',
      maxChildren: config.maxChildren,
      listen: [`/${ip}/${config.host}/tcp/${config.port}`, `/${ip}/${config.host}/tcp/0/ws`],
      ...(config.announce.length ? { announce: config.announce } : {}),
      log,
      onParentChanged: (parent, repairMs) => {
        if (!parent) return;
        const name = parent.path.length === 1 ? 'origin' : parent.id;
        const repaired =
          repairMs === undefined ? '' : ` (re-attached ${repairMs} ms after losing the last one)`;
        log.info(
          `parent ${name} depth ${parent.depth} rtt ${parent.rttMs.toFixed(1)} ms${repaired}`,
        );
      },
    });
  } catch (error) {
    const message = (error as Error).message;
    throw new RuntimeError(`relay: cannot join through ${config.seeder}: ${message}`);
  }
  const joined = peer;
  const first = joined.parent();
  log.info(
    `relay ${joined.id} joined stream "${joined.info.stream}" at depth ${first?.depth ?? '?'}`,
  );

  let edge: ReturnType<typeof createServer> | undefined;
  if (config.serve !== undefined) {
    const store = joined.store;
    const stats = new OriginStats({
      stream: joined.info.stream,
      segmentsPublished: () => store.received,
      lastSequence: () => store.lastSequence,
      ingest: () => ({ source: 'test', state: 'live', pid: null, restarts: 0 }),
      peers: () => [],
      tree: () => ({ size: 0, depth: joined.parent()?.depth ?? 0, originChildren: 0 }),
    });
    edge = createServer(
      createHttpOrigin({
        stream: joined.info.stream,
        store,
        stats,
        playlistSegments: 6,
        segmentSeconds: 1,
      }),
    );
    try {
      await listenHttp(edge, config.serve, config.host);
    } catch (error) {
      await joined.stop();
      throw error;
    }
    const port = (edge.address() as AddressInfo).port;
    const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
    log.info(`edge: http://${host}:${port}/live/${joined.info.stream}/index.m3u8`);
  }

  const signal = await untilShutdown();
  log.info(`${signal}: leaving the swarm`);
  await Promise.all([joined.stop(), edge ? closeServer(edge) : undefined]);
  return 0;
}
