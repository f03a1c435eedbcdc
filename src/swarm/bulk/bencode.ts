/**
 * Bencoding (BEP 3), encoder only: the torrent builder needs byte-exact output, since the
 * info-hash is the SHA-1 of the encoded info dictionary and must not depend on who encodes it.
 */

export type BencodeValue =
  number | string | Uint8Array | readonly BencodeValue[] | { readonly [key: string]: BencodeValue };

const utf8 = new TextEncoder();

export function bencode(value: BencodeValue): Uint8Array {
  const parts: Uint8Array[] = [];
  encodeInto(value, parts);
  return Buffer.concat(parts);
}

function encodeInto(value: BencodeValue, parts: Uint8Array[]): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`bencode: ${value} is not an integer`);
    parts.push(utf8.encode(`i${value}e`));
  } else if (typeof value === 'string') {
    encodeBytes(utf8.encode(value), parts);
  } else if (value instanceof Uint8Array) {
    encodeBytes(value, parts);
  } else if (isList(value)) {
    parts.push(utf8.encode('l'));
    for (const item of value) encodeInto(item, parts);
    parts.push(utf8.encode('e'));
  } else {
    // Keys sort as raw byte strings (BEP 3), which is not JavaScript's UTF-16 order.
    const entries = Object.entries(value)
      .map(([key, item]) => [Buffer.from(key, 'utf8'), item] as const)
      .sort(([a], [b]) => Buffer.compare(a, b));
    parts.push(utf8.encode('d'));
    for (const [key, item] of entries) {
      encodeBytes(key, parts);
      encodeInto(item, parts);
    }
    parts.push(utf8.encode('e'));
  }
}

function encodeBytes(bytes: Uint8Array, parts: Uint8Array[]): void {
  parts.push(utf8.encode(`${bytes.length}:`), bytes);
}

function isList(value: BencodeValue): value is readonly BencodeValue[] {
  return Array.isArray(value);
}
