/**
 * Which signed envelopes a subscriber accepts: the TUF threat list applied to one channel's trust
 * record. Pure: the caller passes the clock and persists the returned record before acting on the
 * envelope (so a crash cannot un-accept it).
 *
 * Seq space. The publisher numbers every envelope of a channel from one counter, whatever its kind,
 * so rotations have a place in the order of everything else. Rollback is judged per kind, though:
 * a release must be newer than the newest accepted release, a news item newer than the newest
 * accepted news item. With one head for all kinds, a release overtaken in transit by a later news
 * item would be refused as a rollback and that subscriber would miss the release.
 * News history (the last items a follower gets on join) must therefore be fed in ascending seq.
 *
 * Duplicates. The exact envelope that is already a kind's head is answered with
 * `{ status: 'duplicate' }`, not an error: gossip, HTTP polling and the DHT all deliver the head
 * again and again (this holds for the newest rotation too, though its signer is retired by now).
 * The same seq with different bytes is a rollback (the publisher signed twice). Older envelopes
 * and older rotation links come back as `rollback` or `retired-key`: stale, not necessarily hostile.
 * A duplicate head that has since expired is still refused as `expired`: that is how a frozen
 * channel shows itself.
 *
 * Rotation. A `key-rotation` signed by the trusted key, with a seq above everything accepted so
 * far, makes `body.newKey` the trusted key and retires the signer. Nothing a retired key signs is
 * accepted again, whatever its seq: a key is usually rotated because it leaked. So after rotating,
 * the publisher re-signs the current release with the new key. Rotations themselves never expire
 * (like TUF's intermediate root versions): a late subscriber must be able to walk the whole chain.
 */
import {
  CLOCK_SKEW_MS,
  type ChannelTrustRecord,
  type EnvelopeKind,
  type SignedEnvelope,
} from '../../contracts/channel.js';
import { ChannelError, shortId } from './channel-error.js';
import { envelopeDigest, verifyEnvelope } from './envelope.js';

export interface AcceptOptions {
  /** How far ahead of `now` an envelope's `issued` may be. @default CLOCK_SKEW_MS */
  clockSkewMs?: number;
}

export type AcceptResult =
  | { status: 'accepted'; record: ChannelTrustRecord }
  | { status: 'duplicate'; record: ChannelTrustRecord };

const KIND_LABEL: Record<EnvelopeKind, string> = {
  release: 'release',
  news: 'news item',
  'key-rotation': 'key rotation',
};

function channelLabel(record: ChannelTrustRecord): string {
  return record.name
    ? `channel ${shortId(record.channel)} (${record.name})`
    : `channel ${shortId(record.channel)}`;
}

function when(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function expiredError(what: string, record: ChannelTrustRecord, expires: number): ChannelError {
  return new ChannelError(
    'expired',
    `the newest ${what} of ${channelLabel(record)} expired on ${when(expires)}; ` +
      'the publisher must re-sign it (or this computer’s clock is wrong)',
  );
}

function checkSigner(record: ChannelTrustRecord, envelope: SignedEnvelope): void {
  const label = `${KIND_LABEL[envelope.kind]} seq ${envelope.seq} of ${channelLabel(record)}`;
  if (record.retiredKeys.includes(envelope.signer)) {
    throw new ChannelError(
      'retired-key',
      `${label} is signed by ${shortId(envelope.signer)}, a key the channel has retired`,
    );
  }
  if (envelope.signer !== record.trustedKey) {
    throw new ChannelError(
      'wrong-key',
      `${label} is signed by ${shortId(envelope.signer)}, not by the channel's key ${shortId(record.trustedKey)}`,
    );
  }
  if (envelope.seq <= record.trustedSince) {
    throw new ChannelError(
      'rollback',
      `${label} predates the rotation to its key at seq ${record.trustedSince}`,
    );
  }
}

function checkOrder(record: ChannelTrustRecord, envelope: SignedEnvelope): void {
  const label = `${KIND_LABEL[envelope.kind]} seq ${envelope.seq} of ${channelLabel(record)}`;
  if (envelope.kind === 'key-rotation') {
    if (envelope.seq <= record.highestSeq) {
      throw new ChannelError(
        'rollback',
        `${label} is not newer than seq ${record.highestSeq}, already accepted`,
      );
    }
    if (
      envelope.body.newKey === record.channel ||
      record.retiredKeys.includes(envelope.body.newKey)
    )
      throw new ChannelError('retired-key', `${label} rotates back to a retired key`);
    return;
  }
  const head = record.heads[envelope.kind];
  if (head && envelope.seq <= head.seq) {
    throw new ChannelError(
      'rollback',
      `${label} is not newer than the accepted ${KIND_LABEL[envelope.kind]} seq ${head.seq}`,
    );
  }
}

/**
 * Accepts `envelope` into `record`, or throws ChannelError with the reason: `wrong-channel`,
 * `bad-signature`, `retired-key`, `wrong-key`, `not-yet-valid`, `rollback`, `expired` (also
 * `malformed`/`too-large` for an envelope that was not decoded). Never mutates `record`.
 */
export function acceptEnvelope(
  record: ChannelTrustRecord,
  envelope: SignedEnvelope,
  now: number,
  options: AcceptOptions = {},
): AcceptResult {
  const digest = envelopeDigest(envelope);
  if (envelope.channel !== record.channel || (record.name && envelope.name !== record.name)) {
    throw new ChannelError(
      'wrong-channel',
      `envelope is for channel ${shortId(envelope.channel)} (${envelope.name}), not ${channelLabel(record)}`,
    );
  }
  if (record.heads[envelope.kind]?.digest === digest) {
    // Byte for byte the head accepted before (signature included): only time can change the answer.
    if (envelope.kind !== 'key-rotation' && now >= envelope.expires)
      throw expiredError(KIND_LABEL[envelope.kind], record, envelope.expires);
    return { status: 'duplicate', record };
  }
  verifyEnvelope(envelope);
  checkSigner(record, envelope);
  if (envelope.issued > now + (options.clockSkewMs ?? CLOCK_SKEW_MS)) {
    throw new ChannelError(
      'not-yet-valid',
      `${KIND_LABEL[envelope.kind]} seq ${envelope.seq} of ${channelLabel(record)} is issued ` +
        `${when(envelope.issued)}, in the future (or this computer’s clock is wrong)`,
    );
  }
  checkOrder(record, envelope);
  if (envelope.kind !== 'key-rotation' && now >= envelope.expires)
    throw expiredError(KIND_LABEL[envelope.kind], record, envelope.expires);
  return { status: 'accepted', record: advance(record, envelope, digest) };
}

function advance(
  record: ChannelTrustRecord,
  envelope: SignedEnvelope,
  digest: string,
): ChannelTrustRecord {
  const next: ChannelTrustRecord = {
    ...record,
    name: envelope.name,
    highestSeq: Math.max(record.highestSeq, envelope.seq),
    heads: {
      ...record.heads,
      [envelope.kind]: { seq: envelope.seq, digest, expires: envelope.expires },
    },
  };
  if (envelope.kind === 'key-rotation') {
    next.trustedKey = envelope.body.newKey;
    next.trustedSince = envelope.seq;
    next.retiredKeys = [...record.retiredKeys, envelope.signer];
  }
  return next;
}

/**
 * Freeze detection when nothing new arrives: throws ChannelError('expired') if the newest
 * accepted release (or news item) has expired by `now`.
 */
export function checkFreshness(
  record: ChannelTrustRecord,
  kind: 'release' | 'news',
  now: number,
): void {
  const head = record.heads[kind];
  if (head && now >= head.expires) throw expiredError(KIND_LABEL[kind], record, head.expires);
}
