/**
 * BEP 44 mutable-item arithmetic, with no network: where an item lives in the DHT and whether a
 * value fits. Pure, so it is unit-tested against the BEP's own vectors.
 */
import { createHash } from 'node:crypto';

/** BEP 44: the bencoded `v` of an item may not exceed 1000 bytes. */
export const MAX_DHT_VALUE_BYTES = 1000;
/** BEP 44: the salt may not exceed 64 bytes. */
export const MAX_DHT_SALT_BYTES = 64;

/** The salt bytes of a channel name (UTF-8). */
export function dhtSalt(name: string): Buffer {
  return Buffer.from(name, 'utf8');
}

/** The item's address: SHA-1 of the public key followed by the salt. */
export function dhtItemTarget(publicKey: Uint8Array, salt: Uint8Array): Buffer {
  return createHash('sha1').update(publicKey).update(salt).digest();
}

/** Length of `value` bencoded as a byte string: `<decimal length>:<bytes>`. */
export function bencodedLength(value: Uint8Array): number {
  return String(value.length).length + 1 + value.length;
}

/** Whether `value` may be stored as an item's `v` by every BEP 44 node. */
export function fitsDhtItem(value: Uint8Array): boolean {
  return bencodedLength(value) <= MAX_DHT_VALUE_BYTES;
}
