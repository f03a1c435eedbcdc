/** Protocol identifiers and the limits every peer enforces. */

export const PROTOCOL = {
  /** Child → parent: attach, then the parent pushes announcements and chunks. */
  live: '/swarmcast/live/1.0.0',
  /** Pull one object (media or init) from a peer that holds it. */
  fetch: '/swarmcast/fetch/1.0.0',
  /** Peer → origin: join (candidate parents) and periodic stats reports, on one kept stream. */
  coord: '/swarmcast/coord/1.0.0',
  /** Page → origin → page: one WebRTC offer and its answer, over connections both already have. */
  signal: '/swarmcast/signal/1.0.0',
} as const;

export const LIMITS = {
  /** Largest chunk payload; segments travel in pieces no bigger than this. */
  chunkBytes: 64 * 1024,
  /** Largest control message (JSON). */
  controlBytes: 16 * 1024,
  /** Peer ids in a path or exclude list. */
  maxPathLength: 64,
  maxCandidates: 16,
  maxAddrs: 16,
  maxAddrLength: 512,
  /** A session description with its ICE candidates (a browser's is 1–3 KB). */
  sdpChars: 12 * 1024,
} as const;

/** A frame's type byte. */
export const FRAME = {
  control: 1,
  announce: 2,
  chunk: 3,
  abort: 4,
} as const;

/** The frame header: a 4-byte big-endian length of type byte + payload. */
export const FRAME_HEADER_BYTES = 4;
/** Type byte + chunk header (kind, id, offset) + payload. */
export const MAX_FRAME_BYTES = 1 + 1 + 4 + 4 + LIMITS.chunkBytes;

/**
 * How long the origin keeps a coordination session with no request on it. A peer reports every
 * 2 s, so only a peer that has stopped lets its session lapse.
 */
export const COORD_SESSION_IDLE_MS = 30_000;
