/** A peer report that says only where the peer sits: every counter zero. For tree tests and sims. */
import type { PeerReport } from '../../src/swarm/messages.js';

export type Position = Pick<PeerReport, 'parent' | 'depth' | 'children' | 'maxChildren'> &
  Partial<Pick<PeerReport, 'kind' | 'rttMs' | 'addrs'>>;

export function positionReport(position: Position): PeerReport {
  return {
    kind: 'relay',
    rttMs: 10,
    addrs: [],
    ...position,
    segmentsReceived: 0,
    firstSequence: null,
    lastSequence: null,
    missedSegments: 0,
    bytesFromPeers: 0,
    bytesFromOrigin: 0,
    bytesUploaded: 0,
    originLatencyMs: 0,
    originLatencyP95Ms: 0,
  };
}
