/**
 * The control messages of the swarm protocols, as one discriminated union. They travel as JSON in
 * control frames; `parseControl` is the only way in, and it checks every field's type and size.
 */
import { LIMITS } from './protocol.js';
import { WireError } from './bytes.js';
import { MAX_COORDINATE_MS, type Coordinate } from './vivaldi.js';

export type PeerKind = 'relay' | 'browser';

export interface CandidateInfo {
  id: string;
  addrs: string[];
  depth: number;
  freeSlots: number;
  /** Its Vivaldi coordinate as the origin last heard it, when it sent one. */
  coord?: Coordinate;
}

/**
 * A request for candidate parents. `coord` is the joiner's Vivaldi coordinate, when it has one:
 * the origin then offers the nearest free peers by predicted RTT. `refresh` marks a peer that is
 * attached and only re-measuring its backups: the origin reserves slots for real joins only.
 */
export interface JoinRequest {
  t: 'join';
  stream: string;
  kind: PeerKind;
  maxChildren: number;
  exclude: string[];
  coord?: Coordinate;
  refresh?: boolean;
}

/** What a peer tells the origin every 2 s. */
export interface PeerReport {
  kind: PeerKind;
  parent: string | null;
  depth: number;
  rttMs: number;
  children: number;
  maxChildren: number;
  segmentsReceived: number;
  firstSequence: number | null;
  lastSequence: number | null;
  missedSegments: number;
  bytesFromPeers: number;
  bytesFromOrigin: number;
  bytesUploaded: number;
  originLatencyMs: number;
  originLatencyP95Ms: number;
  addrs: string[];
  /**
   * A page's viewer id (the `?viewer=` of its playlist requests): a joined page takes its
   * playlist from the swarm, so its reports are what keep it counted as a viewer.
   */
  viewer?: string;
}

export type ControlMessage =
  | { t: 'attach'; stream: string; kind: PeerKind; after: number | null }
  | { t: 'accept'; depth: number; path: string[]; have: [number, number] | null }
  | { t: 'reject'; reason: 'full' | 'loop' | 'unknown-stream' | 'refused' }
  | { t: 'path'; depth: number; path: string[] }
  | { t: 'get'; kind: 'media' | 'init'; id: number }
  | { t: 'missing' }
  | JoinRequest
  | {
      t: 'candidates';
      stream: string;
      publicKey: string;
      httpBase: string;
      origin: CandidateInfo;
      candidates: CandidateInfo[];
      /**
       * The deepest level the coordinator wants peers on (ceil(log_k N) + 1): a peer below it
       * climbs at its next refresh. Absent from older origins.
       */
      depthBudget?: number;
    }
  | { t: 'report'; stream: string; report: PeerReport }
  /**
   * WebRTC signalling through the origin, one offer and one answer (ICE candidates inside the
   * SDP). `peer` is the callee when a page sends the offer, and the caller when the origin passes
   * it on: the origin vouches for who is calling.
   */
  | { t: 'rtc-offer'; peer: string; sdp: string }
  | { t: 'rtc-answer'; sdp: string }
  | { t: 'ok' }
  | { t: 'error'; message: string };

type Obj = Record<string, unknown>;

const fail = (what: string): never => {
  throw new WireError(`bad control message: ${what}`);
};

function str(o: Obj, key: string, max = 256): string {
  const value = o[key];
  if (typeof value !== 'string' || value.length > max) fail(key);
  return value as string;
}

function int(o: Obj, key: string, min = 0, max = 0xffffffff): number {
  const value = o[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    fail(key);
  return value as number;
}

function num(o: Obj, key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const value = o[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) fail(key);
  return value as number;
}

function nullableInt(o: Obj, key: string): number | null {
  return o[key] === null ? null : int(o, key);
}

function strings(o: Obj, key: string, maxItems: number, maxLength: number): string[] {
  const value = o[key];
  if (!Array.isArray(value) || value.length > maxItems) fail(key);
  return (value as unknown[]).map((item) => {
    if (typeof item !== 'string' || item.length > maxLength) fail(key);
    return item as string;
  });
}

function oneOf<T extends string>(o: Obj, key: string, options: readonly T[]): T {
  const value = o[key];
  if (!options.includes(value as T)) fail(key);
  return value as T;
}

function obj(value: unknown, what: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(what);
  return value as Obj;
}

/** An optional Vivaldi coordinate: absent stays absent, anything malformed fails. */
function coordinate(o: Obj, key: string): Coordinate | undefined {
  if (o[key] === undefined) return undefined;
  const c = obj(o[key], key);
  return {
    x: num(c, 'x', -MAX_COORDINATE_MS, MAX_COORDINATE_MS),
    y: num(c, 'y', -MAX_COORDINATE_MS, MAX_COORDINATE_MS),
    h: num(c, 'h', 0, MAX_COORDINATE_MS),
    e: num(c, 'e', 0, 1),
  };
}

const peerIds = (o: Obj, key: string) => strings(o, key, LIMITS.maxPathLength, 128);
const addrs = (o: Obj, key: string) => strings(o, key, LIMITS.maxAddrs, LIMITS.maxAddrLength);

function candidate(value: unknown): CandidateInfo {
  const o = obj(value, 'candidate');
  const out: CandidateInfo = {
    id: str(o, 'id', 128),
    addrs: addrs(o, 'addrs'),
    depth: int(o, 'depth', 0, 1000),
    freeSlots: int(o, 'freeSlots', 0, 1000),
  };
  const coord = coordinate(o, 'coord');
  if (coord) out.coord = coord;
  return out;
}

function report(value: unknown): PeerReport {
  const o = obj(value, 'report');
  return {
    kind: oneOf(o, 'kind', ['relay', 'browser'] as const),
    parent: o.parent === null ? null : str(o, 'parent', 128),
    depth: int(o, 'depth', 0, 1000),
    rttMs: num(o, 'rttMs', 0, 600_000),
    children: int(o, 'children', 0, 1000),
    maxChildren: int(o, 'maxChildren', 0, 1000),
    segmentsReceived: int(o, 'segmentsReceived'),
    firstSequence: nullableInt(o, 'firstSequence'),
    lastSequence: nullableInt(o, 'lastSequence'),
    missedSegments: int(o, 'missedSegments'),
    bytesFromPeers: num(o, 'bytesFromPeers'),
    bytesFromOrigin: num(o, 'bytesFromOrigin'),
    bytesUploaded: num(o, 'bytesUploaded'),
    originLatencyMs: num(o, 'originLatencyMs', 0, 600_000),
    originLatencyP95Ms: num(o, 'originLatencyP95Ms', 0, 600_000),
    addrs: addrs(o, 'addrs'),
    ...(o.viewer === undefined ? {} : { viewer: str(o, 'viewer', 64) }),
  };
}

export function parseControl(bytes: Uint8Array): ControlMessage {
  if (bytes.length > LIMITS.controlBytes) fail('too long');
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    fail('not JSON');
  }
  return parseControlValue(value);
}

/** Validates an already-decoded control message (one embedded in another document). */
export function parseControlValue(value: unknown): ControlMessage {
  const o = obj(value, 'message');
  switch (o.t) {
    case 'attach':
      return {
        t: 'attach',
        stream: str(o, 'stream', 64),
        kind: oneOf(o, 'kind', ['relay', 'browser'] as const),
        after: nullableInt(o, 'after'),
      };
    case 'accept': {
      let have: [number, number] | null = null;
      if (o.have !== null) {
        const range = o.have;
        if (!Array.isArray(range) || range.length !== 2) fail('have');
        const [from, to] = range as unknown[];
        have = [int({ from }, 'from'), int({ to }, 'to')];
      }
      return { t: 'accept', depth: int(o, 'depth', 1, 1000), path: peerIds(o, 'path'), have };
    }
    case 'reject':
      return {
        t: 'reject',
        reason: oneOf(o, 'reason', ['full', 'loop', 'unknown-stream', 'refused'] as const),
      };
    case 'path':
      return { t: 'path', depth: int(o, 'depth', 1, 1000), path: peerIds(o, 'path') };
    case 'get':
      return { t: 'get', kind: oneOf(o, 'kind', ['media', 'init'] as const), id: int(o, 'id') };
    case 'missing':
      return { t: 'missing' };
    case 'join': {
      const join: JoinRequest = {
        t: 'join',
        stream: str(o, 'stream', 64),
        kind: oneOf(o, 'kind', ['relay', 'browser'] as const),
        maxChildren: int(o, 'maxChildren', 0, 1000),
        exclude: peerIds(o, 'exclude'),
      };
      const coord = coordinate(o, 'coord');
      if (coord) join.coord = coord;
      if (o.refresh !== undefined) {
        if (typeof o.refresh !== 'boolean') fail('refresh');
        if (o.refresh) join.refresh = true;
      }
      return join;
    }
    case 'candidates': {
      const list = o.candidates;
      if (!Array.isArray(list) || list.length > LIMITS.maxCandidates) fail('candidates');
      const offer: ControlMessage = {
        t: 'candidates',
        stream: str(o, 'stream', 64),
        publicKey: str(o, 'publicKey', 64),
        httpBase: str(o, 'httpBase', 512),
        origin: candidate(o.origin),
        candidates: (list as unknown[]).map(candidate),
      };
      if (o.depthBudget !== undefined) offer.depthBudget = int(o, 'depthBudget', 1, 1000);
      return offer;
    }
    case 'report':
      return { t: 'report', stream: str(o, 'stream', 64), report: report(o.report) };
    case 'rtc-offer':
      return { t: 'rtc-offer', peer: str(o, 'peer', 128), sdp: str(o, 'sdp', LIMITS.sdpChars) };
    case 'rtc-answer':
      return { t: 'rtc-answer', sdp: str(o, 'sdp', LIMITS.sdpChars) };
    case 'ok':
      return { t: 'ok' };
    case 'error':
      return { t: 'error', message: str(o, 'message', 512) };
    default:
      return fail('unknown type');
  }
}

export function encodeControl(message: ControlMessage): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify(message));
  if (bytes.length > LIMITS.controlBytes) throw new RangeError('control message too long');
  return bytes;
}
