/**
 * Canonical JSON: one byte string per value, so a signature over it means one thing. Object keys
 * sorted by UTF-16 code unit, no whitespace, and only the JSON subset that every implementation
 * reads the same way: strings (well-formed UTF-16), safe integers, booleans, null, arrays and plain
 * objects. Floats are refused rather than normalised, since their text forms differ by language.
 */
import { ChannelError } from './channel-error.js';

export const MAX_CANONICAL_DEPTH = 16;

export type CanonicalValue =
  string | number | boolean | null | CanonicalValue[] | { [key: string]: CanonicalValue };

/** A lone surrogate would be replaced on the way to UTF-8, so two strings could share bytes. */
const LONE_SURROGATE = /\p{Cs}/u;

function refuse(path: string, problem: string): never {
  throw new ChannelError('malformed', `${path || 'value'}: ${problem}`);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function encodeString(text: string, path: string): string {
  if (LONE_SURROGATE.test(text)) refuse(path, 'string contains a lone surrogate');
  // JSON.stringify's string escaping is fully specified (ECMA-262 QuoteJSONString).
  return JSON.stringify(text);
}

function encodeValue(value: unknown, path: string, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return encodeString(value, path);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value) || Object.is(value, -0))
        refuse(path, `${String(value)} is not a safe integer`);
      return String(value);
    case 'object':
      break;
    default:
      refuse(path, `${typeof value} cannot be encoded`);
  }
  if (depth >= MAX_CANONICAL_DEPTH) refuse(path, `nested deeper than ${MAX_CANONICAL_DEPTH}`);
  if (Array.isArray(value)) return encodeArray(value as unknown[], path, depth);
  if (!isPlainObject(value)) refuse(path, 'only plain objects can be encoded');
  return encodeObject(value as Record<string, unknown>, path, depth);
}

function encodeArray(items: unknown[], path: string, depth: number): string {
  const parts: string[] = [];
  for (let i = 0; i < items.length; i++) {
    if (!(i in items)) refuse(`${path}[${i}]`, 'sparse array');
    parts.push(encodeValue(items[i], `${path}[${i}]`, depth + 1));
  }
  return `[${parts.join(',')}]`;
}

function encodeObject(object: Record<string, unknown>, path: string, depth: number): string {
  const keys = Reflect.ownKeys(object);
  const names: string[] = [];
  for (const key of keys) {
    if (typeof key !== 'string') refuse(path, 'symbol keys cannot be encoded');
    const descriptor = Object.getOwnPropertyDescriptor(object, key);
    if (!descriptor?.enumerable || !('value' in descriptor))
      refuse(path ? `${path}.${key}` : key, 'not a plain data property');
    names.push(key);
  }
  // Default sort compares UTF-16 code units, which is the order this format promises.
  names.sort();
  const parts = names.map((name) => {
    const at = path ? `${path}.${name}` : name;
    return `${encodeString(name, at)}:${encodeValue(object[name], at, depth + 1)}`;
  });
  return `{${parts.join(',')}}`;
}

/** The canonical text of `value`; throws ChannelError('malformed') naming the first bad field. */
export function canonicalEncode(value: unknown): string {
  return encodeValue(value, '', 0);
}

export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalEncode(value));
}

// Fatal: invalid UTF-8 is refused, not replaced. ignoreBOM keeps a BOM in the text, so it fails.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses bytes from a stranger: the size is checked before anything else, and only the canonical
 * encoding of a value is accepted, so every accepted value has exactly one byte form.
 */
export function parseCanonical(input: Uint8Array | string, maxBytes: number): CanonicalValue {
  // A string of n UTF-16 code units is at least n UTF-8 bytes: long ones are refused unencoded.
  if (input.length > maxBytes) throw tooLarge(input.length, maxBytes);
  let text: string;
  if (typeof input === 'string') {
    const size = new TextEncoder().encode(input).length;
    if (size > maxBytes) throw tooLarge(size, maxBytes);
    text = input;
  } else {
    try {
      text = utf8.decode(input);
    } catch {
      throw new ChannelError('malformed', 'not valid UTF-8');
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ChannelError('malformed', `not JSON (${(error as Error).message})`);
  }
  if (canonicalEncode(value) !== text) throw new ChannelError('malformed', 'not in canonical form');
  return value as CanonicalValue;
}

function tooLarge(size: number, maxBytes: number): ChannelError {
  return new ChannelError('too-large', `${size} bytes is over the limit of ${maxBytes}`);
}
