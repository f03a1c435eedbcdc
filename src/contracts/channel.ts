/**
 * Signed channels: the envelope every publisher signs and every subscriber verifies, the release
 * manifest, news item and key rotation it carries, and the trust record a subscriber keeps on
 * disk. A contract with the outside world (other implementations, stored state): fields are never
 * renamed, and are added only as optional ones that are left out when unused. A reader refuses
 * fields it does not know, so an older one refuses a release that needs a newer field (an
 * executable bit, an empty folder) instead of installing it without. Imports nothing, so any
 * layer may use it.
 */

/** Envelope format version; the signature's domain prefix names it too. */
export const ENVELOPE_VERSION = 1;
/** The largest encoded envelope (UTF-8 bytes, signature included) anyone accepts. */
export const MAX_ENVELOPE_BYTES = 64 * 1024;
/** Channel names: also the BEP 44 salt, which may not exceed 64 bytes. */
export const CHANNEL_NAME_PATTERN = /^[a-z0-9._-]{1,64}$/;
export const MAX_CHANNEL_NAME_LENGTH = 64;
export const MAX_RELEASE_FILES = 1000;
export const MAX_FILE_PATH_LENGTH = 255;
export const MAX_VERSION_LENGTH = 64;
export const MAX_NOTES_LENGTH = 4000;
export const MAX_NEWS_TEXT_LENGTH = 2000;
export const MAX_LINK_LENGTH = 2048;
/** How far in the future `issued` may lie before an envelope counts as not yet valid. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

export type EnvelopeKind = 'release' | 'news' | 'key-rotation';

/** One file of a release; `path` is relative to the install directory, `/`-separated. */
export interface ReleaseFile {
  path: string;
  length: number;
  /** Lowercase hex SHA-256 of the file's bytes. */
  sha256: string;
  /** Installed with execute permission (mode 0755 less the umask); absent, not false, otherwise. */
  executable?: true;
}

export interface ReleaseManifest {
  /** Also the install directory's name, so it is restricted to a safe file name. */
  version: string;
  files: ReleaseFile[];
  /**
   * Folders that hold nothing, relative and `/`-separated like file paths: a torrent carries only
   * files, so these are signed here. Absent when there are none; sorted, one per empty folder.
   */
  emptyDirs?: string[];
  /** Lowercase hex BitTorrent v1 info-hash of a torrent holding exactly these files. */
  infoHash: string;
  notes?: string;
}

export interface NewsItem {
  text: string;
  /** An absolute http: or https: URL. */
  link?: string;
}

/** Signed by the current key: from now on `newKey` signs, and the signer is retired for good. */
export interface KeyRotation {
  newKey: string;
}

export interface EnvelopeBodies {
  release: ReleaseManifest;
  news: NewsItem;
  'key-rotation': KeyRotation;
}

export interface EnvelopeHeader {
  v: typeof ENVELOPE_VERSION;
  /** The channel id: the lowercase hex ed25519 public key the channel was created with. */
  channel: string;
  name: string;
  /**
   * One counter per channel for every kind: each envelope the publisher signs takes the next
   * number, so rotations order against releases and news, and the DHT item's seq is this one.
   */
  seq: number;
  /** Milliseconds since the epoch. */
  issued: number;
  expires: number;
  /** Lowercase hex public key that signed: the channel id, or a key it rotated to. */
  signer: string;
}

/** An envelope before signing; distributes over kinds so `kind` narrows `body`. */
export type UnsignedEnvelope<K extends EnvelopeKind = EnvelopeKind> = {
  [P in K]: EnvelopeHeader & { kind: P; body: EnvelopeBodies[P] };
}[K];

export type SignedEnvelope<K extends EnvelopeKind = EnvelopeKind> = UnsignedEnvelope<K> & {
  /** Lowercase hex ed25519 signature over the domain prefix and the canonical unsigned envelope. */
  sig: string;
};

/** What a publisher fills in; `v` and `signer` come from the format and the key. */
export type EnvelopeDraft<K extends EnvelopeKind = EnvelopeKind> = {
  [P in K]: Omit<EnvelopeHeader, 'v' | 'signer'> & { kind: P; body: EnvelopeBodies[P] };
}[K];

/** Why an envelope, a file or stored state was refused; branch on this, not on the message. */
export type ChannelErrorReason =
  | 'malformed'
  | 'too-large'
  | 'bad-signature'
  | 'wrong-channel'
  | 'wrong-key'
  | 'retired-key'
  | 'rollback'
  | 'expired'
  | 'not-yet-valid'
  | 'length-mismatch'
  | 'too-long'
  | 'hash-mismatch'
  | 'version-conflict'
  | 'corrupt-state';

/** The newest accepted envelope of one kind. */
export interface TrustHead {
  seq: number;
  /** Lowercase hex SHA-256 of the encoded envelope, to tell a replay from a conflicting one. */
  digest: string;
  expires: number;
}

/** What a subscriber remembers of one channel, persisted after every accepted envelope. */
export interface ChannelTrustRecord {
  v: 1;
  channel: string;
  /** Pinned by the first accepted envelope; null until then. */
  name: string | null;
  /** The key that signs now. */
  trustedKey: string;
  /** The seq of the rotation that made `trustedKey` trusted (0 for the channel key itself). */
  trustedSince: number;
  /** Keys rotated away, oldest first; nothing they sign is accepted again. */
  retiredKeys: string[];
  /** The highest seq accepted of any kind. */
  highestSeq: number;
  heads: Partial<Record<EnvelopeKind, TrustHead>>;
}
