/**
 * The origin's place in the swarm: a libp2p node (bootstrap peer and circuit-relay server), the
 * root of the live tree (its own LiveServer), a fetch server, and the coordinator that hands
 * joining peers candidate parents and collects their stats.
 */
import type { PeerId } from '@libp2p/interface';
import { FramedStream, StreamClosedError } from '../swarm/framed-stream.js';
import { serveFetch } from '../swarm/fetch.js';
import { bytesToHex } from '../swarm/hex.js';
import { LiveServer } from '../swarm/live-server.js';
import type { Logger } from '../swarm/logger.js';
import type { ControlMessage } from '../swarm/messages.js';
import { createSwarmNode, type SwarmNode } from '../swarm/node.js';
import { COORD_SESSION_IDLE_MS, PROTOCOL } from '../swarm/protocol.js';
import type { SegmentStore } from '../swarm/segment-store.js';
import type { Offer, SwarmInfo } from '../swarm/swarm-info.js';
import type { PeerStats } from '../contracts/stats.js';
import { startSignalRelay } from './signal-relay.js';
import { EXPLORE_PEERS, TreeView, type OfferRequest, type TreeShape } from './tree-view.js';

export interface SwarmOriginOptions {
  streamId: string;
  store: SegmentStore;
  publicKey: Uint8Array;
  host: string;
  /** TCP port for libp2p (0 = any); WebSockets listens on the next free port. */
  port: number;
  maxChildren: number;
  log: Logger;
  /** Media bytes the origin pushed or served into the swarm. */
  onSwarmBytes: (bytes: number) => void;
  /** A page reported in, with its viewer id: it still watches (its playlist comes from peers). */
  onViewerReport?: (viewer: string) => void;
  /** A peer's running total of media bytes it received from other peers (not the origin). */
  onPeerBytes?: (peerId: string, bytesFromPeers: number) => void;
}

export interface SwarmOrigin {
  readonly node: SwarmNode;
  info(): SwarmInfo;
  peers(): PeerStats[];
  shape(): TreeShape;
  childCount(): number;
  stop(): Promise<void>;
}

export async function startSwarmOrigin(options: SwarmOriginOptions): Promise<SwarmOrigin> {
  const { log } = options;
  const ip = options.host.includes(':') ? 'ip6' : 'ip4';
  const node = await createSwarmNode({
    listen: [`/${ip}/${options.host}/tcp/${options.port}`, `/${ip}/${options.host}/tcp/0/ws`],
    relayServer: true,
  });
  const originId = node.peerId.toString();
  const view = new TreeView(originId, options.maxChildren);
  const live = new LiveServer({
    node,
    streamId: options.streamId,
    store: options.store,
    maxChildren: () => options.maxChildren,
    position: () => ({ depth: 0, path: [originId] }),
    log,
    onUpload: options.onSwarmBytes,
  });
  await live.start();
  const stopFetch = await serveFetch(node, options.store, options.onSwarmBytes);
  const stopSignals = await startSignalRelay(node, log);

  const addrs = () => node.getMultiaddrs().map(String);
  const offer = (joiner: string, request: Omit<OfferRequest, 'originChildren'>): Offer => {
    // The live server knows the origin's real children; reports lag behind it.
    const made = view.offer(joiner, { ...request, originChildren: live.childCount });
    return {
      t: 'candidates',
      stream: options.streamId,
      publicKey: bytesToHex(options.publicKey),
      httpBase: '',
      origin: { ...made.origin, addrs: addrs() },
      candidates: made.candidates.map((candidate) => ({
        ...candidate,
        addrs: view.addrs(candidate.id),
      })),
      depthBudget: view.depthBudget(),
    };
  };
  const info = (): SwarmInfo => ({
    stream: options.streamId,
    peerId: originId,
    addrs: addrs(),
    publicKey: bytesToHex(options.publicKey),
    // For a peer not yet known, so nothing of the tree is excluded, and nothing is leased: the
    // page's first join gets a random spread and places itself from its pings.
    offer: offer('', {}),
  });

  // Every peer keeps a connection to the origin (it reports over it): when that connection
  // drops the peer is gone, and must not be offered as a parent while its report ages out.
  const onDisconnect = (event: CustomEvent<PeerId>) => view.forget(event.detail.toString());
  node.addEventListener('peer:disconnect', onDisconnect);

  const answer = (message: ControlMessage, peerId: string): ControlMessage => {
    if (message.t === 'join' || message.t === 'report') {
      if (message.stream !== options.streamId)
        return { t: 'error', message: `no stream named ${message.stream}` };
    }
    if (message.t === 'report') {
      view.report(peerId, message.report);
      if (message.report.viewer) options.onViewerReport?.(message.report.viewer);
      options.onPeerBytes?.(peerId, message.report.bytesFromPeers);
      return { t: 'ok' };
    }
    if (message.t === 'join') {
      if (message.coord) view.locate(peerId, message.coord);
      return offer(peerId, {
        exclude: message.exclude,
        maxChildren: message.maxChildren,
        ...(message.coord ? { coord: message.coord } : {}),
        // A refresh only re-measures backups of a peer that has a parent: it reserves nothing.
        lease: !message.refresh,
        ...(message.refresh ? { explore: EXPLORE_PEERS } : {}),
      });
    }
    return { t: 'error', message: `unexpected ${message.t}` };
  };

  await node.handle(
    PROTOCOL.coord,
    async (stream, connection) => {
      // A session: requests one after another, each answered before the next is read, until
      // the peer closes it or lets it idle (CoordClient).
      const framed = new FramedStream(stream);
      const peerId = connection.remotePeer.toString();
      try {
        for (;;) {
          const frame = await framed.read(AbortSignal.timeout(COORD_SESSION_IDLE_MS));
          if (frame.type !== 'control') throw new Error('expected a control message');
          framed.send({ type: 'control', message: answer(frame.message, peerId) });
        }
      } catch (error) {
        if (error instanceof StreamClosedError) {
          await framed.close();
          return;
        }
        log.debug(`coordination session ended: ${(error as Error).message}`);
        framed.abort(error as Error);
      }
    },
    { maxInboundStreams: 512 },
  );

  const expiry = setInterval(() => view.expire(), 2_000);

  return {
    node,
    info,
    childCount: () => live.childCount,
    shape: () => {
      view.expire();
      return view.shape();
    },
    peers: () => {
      view.expire();
      return view.entries().map(({ id, report }): PeerStats => ({
        id,
        kind: report.kind,
        parent: report.parent === originId ? 'origin' : (report.parent ?? ''),
        depth: report.depth,
        rttMs: report.rttMs,
        children: report.children,
        maxChildren: report.maxChildren,
        segmentsReceived: report.segmentsReceived,
        firstSequence: report.firstSequence,
        lastSequence: report.lastSequence,
        missedSegments: report.missedSegments,
        bytesFromPeers: report.bytesFromPeers,
        bytesFromOrigin: report.bytesFromOrigin,
        bytesUploaded: report.bytesUploaded,
        originLatencyMs: report.originLatencyMs,
        originLatencyP95Ms: report.originLatencyP95Ms,
        hopLatencyMs: report.depth > 0 ? report.originLatencyMs / report.depth : 0,
      }));
    },
    async stop() {
      clearInterval(expiry);
      node.removeEventListener('peer:disconnect', onDisconnect);
      await live.stop();
      await stopFetch().catch(() => undefined);
      await stopSignals().catch(() => undefined);
      await node.unhandle(PROTOCOL.coord).catch(() => undefined);
      await node.stop();
    },
  };
}
