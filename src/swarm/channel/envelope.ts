/**
 * Signing, encoding and decoding of channel envelopes. Runs in the browser too (the news and
 * updates pages verify every envelope), so it imports only the platform-swapped crypto and hex.
 *
 * The signature covers a domain prefix and the canonical encoding of the envelope without `sig`,
 * so an envelope signature can never be replayed as any other kind of signed message. The wire
 * form is the canonical encoding of the whole envelope: one byte string per envelope.
 */
import {
  MAX_ENVELOPE_BYTES,
  type EnvelopeDraft,
  type EnvelopeKind,
  type SignedEnvelope,
  type UnsignedEnvelope,
} from '../../contracts/channel.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify, sha256 } from '../crypto.js';
import { bytesToHex, hexToBytes } from '../hex.js';
import { canonicalBytes, parseCanonical } from './canonical.js';
import { ChannelError } from './channel-error.js';
import { parseSignedEnvelope, parseUnsignedEnvelope } from './envelope-schema.js';

export const ENVELOPE_DOMAIN = 'swarmcast/envelope/v1\n';
const DOMAIN_BYTES = new TextEncoder().encode(ENVELOPE_DOMAIN);

function withoutSig(envelope: SignedEnvelope): UnsignedEnvelope {
  const unsigned: Partial<SignedEnvelope> = { ...envelope };
  delete unsigned.sig;
  return unsigned as UnsignedEnvelope;
}

/** The exact bytes the signature covers. */
export function signingBytes(envelope: UnsignedEnvelope): Uint8Array {
  const body = canonicalBytes(envelope);
  const out = new Uint8Array(DOMAIN_BYTES.length + body.length);
  out.set(DOMAIN_BYTES);
  out.set(body, DOMAIN_BYTES.length);
  return out;
}

/**
 * Signs `draft` with `secretKey` (32-byte ed25519 seed). Checks the schema and the size limit
 * first, so nothing is signed that a subscriber would refuse as malformed or too large.
 */
export function signEnvelope<K extends EnvelopeKind>(
  draft: EnvelopeDraft<K>,
  secretKey: Uint8Array,
): SignedEnvelope<K> {
  const signer = bytesToHex(ed25519PublicKey(secretKey));
  const unsigned = parseUnsignedEnvelope({ ...draft, v: 1, signer });
  const sig = bytesToHex(ed25519Sign(signingBytes(unsigned), secretKey));
  const signed: SignedEnvelope = { ...unsigned, sig };
  encodeEnvelope(signed);
  // The schema kept `kind` as the draft had it.
  return signed as SignedEnvelope<K>;
}

/** Throws ChannelError('bad-signature') unless `sig` is `signer`'s signature of the envelope. */
export function verifyEnvelope(envelope: SignedEnvelope): void {
  const sig = hexToBytes(envelope.sig);
  const signer = hexToBytes(envelope.signer);
  const valid =
    sig !== undefined &&
    signer !== undefined &&
    ed25519Verify(sig, signingBytes(withoutSig(envelope)), signer);
  if (!valid) {
    throw new ChannelError(
      'bad-signature',
      `envelope seq ${envelope.seq} of channel ${envelope.channel.slice(0, 8)}: signature does not verify`,
    );
  }
}

/** The wire form; refuses an envelope that breaks the schema or the size limit. */
export function encodeEnvelope(envelope: SignedEnvelope): Uint8Array {
  const bytes = canonicalBytes(parseSignedEnvelope(envelope));
  if (bytes.length > MAX_ENVELOPE_BYTES) {
    throw new ChannelError(
      'too-large',
      `envelope is ${bytes.length} bytes, over the limit of ${MAX_ENVELOPE_BYTES}`,
    );
  }
  return bytes;
}

/**
 * Decodes bytes from a stranger: size limit, canonical JSON, strict schema, then the signature
 * against the `signer` it names. Whether that signer is trusted is the trust policy's question.
 * Throws only ChannelError.
 */
export function decodeEnvelope(input: Uint8Array | string): SignedEnvelope {
  const envelope = parseSignedEnvelope(parseCanonical(input, MAX_ENVELOPE_BYTES));
  verifyEnvelope(envelope);
  return envelope;
}

/** Hex SHA-256 of the wire form: tells a replay of an envelope from a different one. */
export function envelopeDigest(envelope: SignedEnvelope): string {
  return bytesToHex(sha256(encodeEnvelope(envelope)));
}
