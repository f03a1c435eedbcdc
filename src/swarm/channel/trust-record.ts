/**
 * The trust record a subscriber keeps per channel (see ChannelTrustRecord), and its strict reader.
 * A record that fails to read is an error, never a fresh start: starting again at seq 0 would
 * accept every old envelope an attacker kept, which is the rollback this record exists to stop.
 */
import {
  CHANNEL_NAME_PATTERN,
  type ChannelTrustRecord,
  type EnvelopeKind,
  type TrustHead,
} from '../../contracts/channel.js';
import { ChannelError } from './channel-error.js';

const KINDS: readonly EnvelopeKind[] = ['release', 'news', 'key-rotation'];
const RECORD_FIELDS = [
  'v',
  'channel',
  'name',
  'trustedKey',
  'trustedSince',
  'retiredKeys',
  'highestSeq',
  'heads',
];
const KEY_HEX = /^[0-9a-f]{64}$/;

/** A channel nothing has been accepted from yet: its own key signs. */
export function initialTrust(channel: string): ChannelTrustRecord {
  if (!KEY_HEX.test(channel))
    throw new ChannelError('malformed', 'channel id must be 64 lowercase hex digits');
  return {
    v: 1,
    channel,
    name: null,
    trustedKey: channel,
    trustedSince: 0,
    retiredKeys: [],
    highestSeq: 0,
    heads: {},
  };
}

function refuse(field: string, problem: string): never {
  throw new ChannelError('corrupt-state', `${field}: ${problem}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    refuse(field, `must be an integer of at least ${min}`);
  return value;
}

function key(value: unknown, field: string): string {
  if (typeof value !== 'string' || !KEY_HEX.test(value))
    refuse(field, 'must be 64 lowercase hex digits');
  return value;
}

function head(value: unknown, field: string, highestSeq: number): TrustHead {
  if (!isObject(value)) refuse(field, 'must be an object');
  const seq = count(value.seq, `${field}.seq`, 1);
  if (seq > highestSeq) refuse(`${field}.seq`, 'is above highestSeq');
  if (typeof value.digest !== 'string' || !KEY_HEX.test(value.digest))
    refuse(`${field}.digest`, 'must be 64 lowercase hex digits');
  return { seq, digest: value.digest, expires: count(value.expires, `${field}.expires`, 0) };
}

/** Reads a stored record strictly; throws ChannelError('corrupt-state') naming the field. */
export function parseTrustRecord(value: unknown): ChannelTrustRecord {
  if (!isObject(value)) refuse('record', 'must be an object');
  for (const field of Object.keys(value)) {
    if (!RECORD_FIELDS.includes(field)) refuse(field, 'unknown field');
  }
  if (value.v !== 1) refuse('v', 'must be 1');
  const channel = key(value.channel, 'channel');
  const name = value.name;
  if (name !== null && (typeof name !== 'string' || !CHANNEL_NAME_PATTERN.test(name)))
    refuse('name', 'must be null or a channel name');
  const highestSeq = count(value.highestSeq, 'highestSeq', 0);
  const trustedSince = count(value.trustedSince, 'trustedSince', 0);
  if (trustedSince > highestSeq) refuse('trustedSince', 'is above highestSeq');
  if (!Array.isArray(value.retiredKeys)) refuse('retiredKeys', 'must be a list');
  const retiredKeys = value.retiredKeys.map((k, i) => key(k, `retiredKeys[${i}]`));
  const trustedKey = key(value.trustedKey, 'trustedKey');
  if (retiredKeys.includes(trustedKey)) refuse('trustedKey', 'is also retired');
  if ((retiredKeys.length === 0) !== (trustedKey === channel && trustedSince === 0))
    refuse('trustedKey', 'does not match the rotation history');
  if (!isObject(value.heads)) refuse('heads', 'must be an object');
  const heads: ChannelTrustRecord['heads'] = {};
  for (const [kind, entry] of Object.entries(value.heads)) {
    if (!KINDS.includes(kind as EnvelopeKind)) refuse(`heads.${kind}`, 'unknown kind');
    heads[kind as EnvelopeKind] = head(entry, `heads.${kind}`, highestSeq);
  }
  return {
    v: 1,
    channel,
    name,
    trustedKey,
    trustedSince,
    retiredKeys,
    highestSeq,
    heads,
  };
}
