/**
 * BEP 44's signed bytes for a mutable item: the bencoded `salt`, `seq` and `v` entries without the
 * dictionary's `d`/`e`. The publisher signs them once; the seeder, which never holds the channel
 * key, can then (re)put the item with that signature as long as it likes.
 */
import { ed25519Sign } from '../crypto.js';
import { encodeEnvelope } from './envelope.js';
import { headItems } from './dht-chunks.js';
import type { SignedEnvelope } from '../../contracts/channel.js';

export function bep44SigningBytes(salt: Uint8Array, seq: number, value: Uint8Array): Uint8Array {
  const text = new TextEncoder();
  const parts = [
    text.encode(`4:salt${salt.length}:`),
    salt,
    text.encode(`3:seqi${seq}e1:v${value.length}:`),
    value,
  ];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * The signatures DHT nodes check for `envelope` stored as its channel's head: one per item
 * (`dht-chunks.ts`), 64 bytes each, concatenated in item order.
 */
export function signBep44Head(envelope: SignedEnvelope, secretKey: Uint8Array): Uint8Array {
  const items = headItems(envelope.name, encodeEnvelope(envelope));
  const out = new Uint8Array(items.length * 64);
  items.forEach((item, index) => {
    out.set(
      ed25519Sign(bep44SigningBytes(item.salt, envelope.seq, item.value), secretKey),
      index * 64,
    );
  });
  return out;
}
