/**
 * A channel head too large for one BEP 44 item (1000 bytes: a release of more than about four
 * files) is split: chunk items under salts derived from the name, and at the name itself a small
 * pointer naming how many chunks there are and the SHA-256 of the whole. Every item is signed by
 * the same key at the same seq, and the reassembled envelope is verified as usual, so a chunk
 * from another release or a forged pointer can only make the lookup miss.
 */
import { createHash } from 'node:crypto';
import { MAX_ENVELOPE_BYTES } from '../../contracts/channel.js';
import { dhtSalt, fitsDhtItem } from './dht-item.js';

/** Payload bytes per chunk item, leaving room for bencoding under the 1000-byte limit. */
export const DHT_CHUNK_BYTES = 960;
const MAX_CHUNKS = Math.ceil(MAX_ENVELOPE_BYTES / DHT_CHUNK_BYTES);

export interface HeadItem {
  salt: Buffer;
  value: Buffer;
}

export interface ChunkPointer {
  chunks: number;
  sha256: string;
}

/** Chunk `index` (from 1) of the head of channel `name`: `<index>:<SHA-1 of the name>`. */
export function chunkSalt(name: string, index: number): Buffer {
  return Buffer.from(`${index}:${createHash('sha1').update(name).digest('hex')}`);
}

/** The items that carry `envelope` (its encoded bytes): chunks first, the head item last. */
export function headItems(name: string, envelope: Uint8Array): HeadItem[] {
  if (fitsDhtItem(envelope)) return [{ salt: dhtSalt(name), value: Buffer.from(envelope) }];
  const items: HeadItem[] = [];
  for (let offset = 0; offset < envelope.length; offset += DHT_CHUNK_BYTES) {
    items.push({
      salt: chunkSalt(name, items.length + 1),
      value: Buffer.from(envelope.subarray(offset, offset + DHT_CHUNK_BYTES)),
    });
  }
  const pointer: ChunkPointer = {
    chunks: items.length,
    sha256: createHash('sha256').update(envelope).digest('hex'),
  };
  items.push({ salt: dhtSalt(name), value: Buffer.from(JSON.stringify(pointer)) });
  return items;
}

/** The pointer in a head item's value, or undefined if the value is not one (an envelope). */
export function parseChunkPointer(value: Uint8Array): ChunkPointer | undefined {
  if (value.length > 200) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value).toString('utf8'));
  } catch {
    return undefined;
  }
  const o = parsed as Partial<ChunkPointer> | null;
  if (
    !o ||
    typeof o !== 'object' ||
    Object.keys(o).length !== 2 ||
    !Number.isSafeInteger(o.chunks) ||
    o.chunks! < 2 ||
    o.chunks! > MAX_CHUNKS ||
    typeof o.sha256 !== 'string' ||
    !/^[0-9a-f]{64}$/.test(o.sha256)
  ) {
    return undefined;
  }
  return { chunks: o.chunks!, sha256: o.sha256 };
}
