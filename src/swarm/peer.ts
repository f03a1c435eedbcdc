/**
 * A swarm peer, composed: the libp2p node, tree membership (uplink), the live server (downlink),
 * the fetch server, gap filling and stats reporting. Relays run this; so will browser viewers.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { CoordClient } from './coord-client.js';
import { fetchObject, serveFetch } from './fetch.js';
import type { Frame } from './frames.js';
import { GapFiller, type FetchSource } from './gap-filler.js';
import { hexToBytes } from './hex.js';
import { fetchFromOrigin } from './http-fallback.js';
import { LiveServer, short } from './live-server.js';
import type { Logger } from './logger.js';
import type { PeerKind, PeerReport } from './messages.js';
import { createSwarmNode, type SwarmNode } from './node.js';
import { toInitSegment, toLiveSegment, type VerifiedObject } from './object-assembler.js';
import { PeerCounters } from './peer-stats.js';
import { SegmentStore } from './segment-store.js';
import { fetchSwarmInfo, type SwarmInfo } from './swarm-info.js';
import { RtcLinks } from './rtc/rtc-links.js';
import { TreeMember, type ParentLink } from './tree-member.js';

export interface SwarmPeerOptions {
  /** The origin's HTTP base URL, e.g. http://127.0.0.1:8080 */
  seeder: string;
  kind: PeerKind;
  maxChildren: number;
  listen: string[];
  announce?: string[];
  log: Logger;
  retainSegments?: number;
  /**
   * The newest segment the local player already has from elsewhere (a page fetches over HTTP
   * until it joins): the first parent starts after it instead of sending it again.
   */
  heldElsewhere?: () => number | null;
  /** Told about every change of parent, with the repair time when it replaced a lost one. */
  onParentChanged?: (parent: ParentLink | undefined, repairMs: number | undefined) => void;
  /** Fault injection for tests: rewrites every frame this peer sends to its children. */
  tamper?: (frame: Frame) => Frame;
  /**
   * Pages: reach other pages over direct WebRTC links signalled through the origin
   * (`rtc/rtc-links.ts`) instead of libp2p's circuit-relay route. Needs RTCPeerConnection.
   */
  rtcLinks?: boolean;
  /** A page's viewer id, sent with its reports so the origin keeps counting it as a viewer. */
  viewerId?: string;
}

export interface SwarmPeer {
  readonly id: string;
  readonly node: SwarmNode;
  readonly store: SegmentStore;
  readonly info: SwarmInfo;
  parent(): ParentLink | undefined;
  /** Page-to-page WebRTC links connected now (0 where rtcLinks is off). */
  links(): number;
  report(): PeerReport;
  stop(): Promise<void>;
}

const REPORT_INTERVAL_MS = 2_000;

/**
 * The addresses other peers should dial for the live stream. A plain relayed address is left out:
 * a connection through the origin's circuit relay is limited and could not carry the stream, and
 * offering it only makes dialers spend time on it before the direct (WebRTC) one.
 */
function dialableAddrs(node: SwarmNode): string[] {
  return node
    .getMultiaddrs()
    .map(String)
    .filter((addr) => !addr.includes('/p2p-circuit') || addr.includes('/webrtc'));
}

export async function startSwarmPeer(options: SwarmPeerOptions): Promise<SwarmPeer> {
  const { log } = options;
  // Both take a while (a page's node start is a fifth of a second on a busy machine): at once.
  const [infoResult, nodeResult] = await Promise.allSettled([
    fetchSwarmInfo(options.seeder),
    createSwarmNode({
      listen: options.listen,
      // Live-stream peers carry no channels.
      gossip: false,
      ...(options.announce ? { announce: options.announce } : {}),
    }),
  ]);
  if (infoResult.status === 'rejected') {
    if (nodeResult.status === 'fulfilled') await nodeResult.value.stop();
    throw infoResult.reason;
  }
  if (nodeResult.status === 'rejected') throw nodeResult.reason;
  const info = infoResult.value;
  const node = nodeResult.value;
  const publicKey = hexToBytes(info.publicKey)!;
  const id = node.peerId.toString();
  const store = new SegmentStore(options.retainSegments ?? 30);
  const counters = new PeerCounters();
  const coord = new CoordClient(node, info.addrs, info.stream);
  // The connection to the origin carries the first ping, every coordination request and every
  // WebRTC offer, and its handshake (WebSocket, Noise, Yamux, identify) took half a second of a
  // busy page's join: begun now, it runs while the servers below start. Later dials join it,
  // and the coordination session opened on it is ready for the join's requests.
  coord.connect();

  // The tree member and live server refer to each other: the callbacks below only run after
  // `member` (declared further down) exists, once the peer starts.
  let reportSoon: () => void = () => undefined;
  const live = new LiveServer({
    node,
    streamId: info.stream,
    store,
    maxChildren: () => options.maxChildren,
    position: () => member.position(),
    log,
    onUpload: (bytes) => (counters.bytesUploaded += bytes),
    onChildrenChanged: () => reportSoon(),
    ...(options.tamper ? { tamper: options.tamper } : {}),
  });

  const links = options.rtcLinks
    ? new RtcLinks({
        node,
        originId: info.peerId,
        log,
        onIncoming: (link) => void live.acceptChild(link.stream, link.peerId),
        accepting: () => live.childCount < options.maxChildren,
      })
    : undefined;

  /** `fromOrigin` is undefined for objects pushed down the tree (counted per chunk already). */
  const deliver = (object: VerifiedObject, fromOrigin: boolean | undefined) => {
    if (object.announcement.kind === 'init') {
      store.putInit(toInitSegment(object));
      gaps.noteInit(object.announcement.id);
      return;
    }
    if (fromOrigin !== undefined) {
      if (fromOrigin) counters.bytesFromOrigin += object.bytes.length;
      else counters.bytesFromPeers += object.bytes.length;
    }
    // Pushed down the tree: from the origin exactly when the parent is the origin.
    const originBytes = fromOrigin ?? member.current?.id === info.peerId;
    if (store.put({ ...toLiveSegment(object), fromOrigin: originBytes })) {
      counters.segmentsReceived += 1;
      // Latency is a property of the live push; backfilled and fetched segments are old on purpose.
      const live =
        fromOrigin === undefined &&
        object.announcement.id > (member.current?.backfillUntil ?? Infinity);
      if (live) counters.noteOriginLatency(Date.now() - object.announcement.publishedAt);
      gaps.noteSegment(object.announcement.id, object.announcement.initId);
    }
  };

  const peerSource = (peerId: string, name: string): FetchSource => ({
    name,
    peerId,
    fromOrigin: peerId === info.peerId,
    fetch: (kind, objectId, signal) =>
      fetchObject(
        { node, publicKey, streamId: info.stream },
        peerIdFromString(peerId),
        kind,
        objectId,
        signal,
      ),
  });
  const gaps: GapFiller = new GapFiller({
    store,
    log,
    sources: () => {
      const parentId = member.current?.id;
      const peers = [...new Set([...(parentId ? [parentId] : []), ...(member.neighbours() ?? [])])]
        .filter((peerId) => peerId !== info.peerId)
        // A page asks only peers it has a libp2p connection to (relays): reaching another page
        // through libp2p would be a whole WebRTC handshake for one segment.
        .filter((peerId) => !links || connectedTo(peerId));
      return [
        ...peers.slice(0, 4).map((peerId) => peerSource(peerId, `peer ${short(peerId)}`)),
        {
          name: 'origin (HTTP)',
          fromOrigin: true,
          fetch: (kind, objectId, signal) =>
            fetchFromOrigin(options.seeder, info.stream, publicKey, kind, objectId, signal),
        },
      ];
    },
    deliver: (object, source) => deliver(object, source.fromOrigin),
    onBadSource: (source, error) => {
      log.warn(`${source.name} sent bad data (${error.message}); not asking it again`);
      if (source.peerId) member.ban(source.peerId);
    },
  });

  const member: TreeMember = new TreeMember({
    node,
    coord,
    streamId: info.stream,
    originId: info.peerId,
    publicKey,
    kind: options.kind,
    maxChildren: options.maxChildren,
    log,
    childCount: () => live.childCount,
    ...(info.offer ? { offer: info.offer } : {}),
    ...(links
      ? { dialLink: (peerId: string, signal: AbortSignal) => links.dial(peerId, signal) }
      : {}),
    // Once the store holds segments, a new parent fills it from there: children need them.
    lastSequence: () => store.lastSequence ?? options.heldElsewhere?.() ?? null,
    hooks: {
      has: (kind, objectId) =>
        kind === 'media' ? store.has(objectId) : store.init(objectId) !== undefined,
      onAnnounce: (announcement) => live.announce(announcement),
      onChunk: (announcement, offset, data) => live.chunk(announcement, offset, data),
      onAbort: (kind, objectId) => live.abort(kind, objectId),
      // Bytes were already counted per chunk as they arrived.
      onVerified: (object) => deliver(object, undefined),
    },
    onReceived: (bytes, fromOrigin) => {
      if (fromOrigin) counters.bytesFromOrigin += bytes;
      else counters.bytesFromPeers += bytes;
    },
    onParentChanged: (parent, repairMs) => {
      live.positionChanged();
      options.onParentChanged?.(parent, repairMs);
      reportSoon();
    },
  });

  const report = (): PeerReport => {
    const parent = member.current;
    return {
      kind: options.kind,
      parent: parent?.id ?? null,
      depth: parent?.depth ?? 0,
      rttMs: parent?.rttMs ?? 0,
      children: live.childCount,
      maxChildren: options.maxChildren,
      segmentsReceived: counters.segmentsReceived,
      firstSequence: gaps.firstSequence,
      lastSequence: store.lastSequence,
      missedSegments: gaps.missed,
      bytesFromPeers: counters.bytesFromPeers,
      bytesFromOrigin: counters.bytesFromOrigin,
      bytesUploaded: counters.bytesUploaded,
      originLatencyMs: counters.originLatencyMs,
      originLatencyP95Ms: counters.originLatencyP95Ms,
      addrs: dialableAddrs(node),
      ...(options.viewerId ? { viewer: options.viewerId } : {}),
    };
  };

  function connectedTo(peerId: string): boolean {
    try {
      return node.getConnections(peerIdFromString(peerId)).some((c) => !c.limits);
    } catch {
      return false;
    }
  }

  const stopController = new AbortController();
  let reporting = false;
  const sendReport = async () => {
    if (reporting || stopController.signal.aborted) return;
    reporting = true;
    try {
      await coord.report(
        report(),
        AbortSignal.any([stopController.signal, AbortSignal.timeout(3_000)]),
      );
    } catch (error) {
      if (!stopController.signal.aborted)
        log.debug(`stats report failed: ${(error as Error).message}`);
    } finally {
      reporting = false;
    }
  };
  reportSoon = () => void sendReport();
  const reportTimer = setInterval(() => void sendReport(), REPORT_INTERVAL_MS);

  const stopFetch = await serveFetch(node, store, (bytes) => (counters.bytesUploaded += bytes));
  await live.start();
  await links?.start();
  gaps.start();
  try {
    await member.start();
  } catch (error) {
    clearInterval(reportTimer);
    await node.stop();
    throw error;
  }

  return {
    id,
    node,
    store,
    info,
    parent: () => member.current,
    links: () => links?.size ?? 0,
    report,
    async stop() {
      stopController.abort();
      clearInterval(reportTimer);
      gaps.stop();
      member.stop();
      coord.close();
      await links?.stop();
      await live.stop();
      await stopFetch().catch(() => undefined);
      await node.stop();
    },
  };
}
