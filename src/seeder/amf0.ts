/**
 * A small AMF0 decoder for the RTMP commands the ingest gate inspects (`connect`, `publish`).
 * It reads only the types those commands use and refuses the rest; every length is checked
 * against the bytes actually present, so hostile input costs at most its own size.
 */

export type Amf0Value = number | boolean | string | null | undefined | Amf0Object | Amf0Value[];

/** Objects and ECMA arrays. Built without a prototype, so keys like `__proto__` are just keys. */
export interface Amf0Object {
  [key: string]: Amf0Value;
}

export class Amf0Error extends Error {
  override readonly name = 'Amf0Error';
}

export interface Amf0Limits {
  /** Stop after this many top-level values (commands only need their first few). */
  maxValues: number;
  /** Nesting depth of objects and arrays. */
  maxDepth: number;
  /** Entries per object or array. */
  maxEntries: number;
}

const DEFAULT_LIMITS: Amf0Limits = { maxValues: 64, maxDepth: 16, maxEntries: 1024 };

const MARKER = {
  number: 0x00,
  boolean: 0x01,
  string: 0x02,
  object: 0x03,
  null: 0x05,
  undefined: 0x06,
  ecmaArray: 0x08,
  objectEnd: 0x09,
  strictArray: 0x0a,
  longString: 0x0c,
} as const;

/** Decodes consecutive top-level values until the data or `maxValues` runs out. */
export function decodeAmf0(data: Uint8Array, limits: Partial<Amf0Limits> = {}): Amf0Value[] {
  const reader = new Amf0Reader(data, { ...DEFAULT_LIMITS, ...limits });
  const values: Amf0Value[] = [];
  while (!reader.done && values.length < reader.limits.maxValues) {
    values.push(reader.value(0));
  }
  return values;
}

class Amf0Reader {
  private offset = 0;
  private readonly view: DataView;

  constructor(
    private readonly data: Uint8Array,
    readonly limits: Amf0Limits,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get done(): boolean {
    return this.offset >= this.data.length;
  }

  value(depth: number): Amf0Value {
    const marker = this.u8();
    switch (marker) {
      case MARKER.number:
        return this.f64();
      case MARKER.boolean:
        return this.u8() !== 0;
      case MARKER.string:
        return this.utf8(this.u16());
      case MARKER.longString:
        return this.utf8(this.u32());
      case MARKER.null:
        return null;
      case MARKER.undefined:
        return undefined;
      case MARKER.object:
        return this.properties(depth + 1);
      case MARKER.ecmaArray:
        // The count is only a hint (writers get it wrong); the end marker is what counts.
        this.u32();
        return this.properties(depth + 1);
      case MARKER.strictArray:
        return this.strictArray(depth + 1);
      case MARKER.objectEnd:
        throw new Amf0Error('object end marker outside an object');
      default:
        throw new Amf0Error(`unsupported AMF0 type 0x${marker.toString(16)}`);
    }
  }

  private properties(depth: number): Amf0Object {
    this.checkDepth(depth);
    const object = Object.create(null) as Amf0Object;
    for (let entries = 0; ; entries++) {
      const keyLength = this.u16();
      if (keyLength === 0) {
        if (this.u8() !== MARKER.objectEnd) throw new Amf0Error('empty key without object end');
        return object;
      }
      if (entries >= this.limits.maxEntries) throw new Amf0Error('too many object entries');
      const key = this.utf8(keyLength);
      object[key] = this.value(depth);
    }
  }

  private strictArray(depth: number): Amf0Value[] {
    this.checkDepth(depth);
    const count = this.u32();
    // Each value takes at least one byte, so a larger count is a lie about the data.
    if (count > this.data.length - this.offset || count > this.limits.maxEntries) {
      throw new Amf0Error('strict array count exceeds the data');
    }
    const items: Amf0Value[] = [];
    for (let i = 0; i < count; i++) items.push(this.value(depth));
    return items;
  }

  private checkDepth(depth: number): void {
    if (depth > this.limits.maxDepth) throw new Amf0Error('AMF0 nesting too deep');
  }

  private need(bytes: number): number {
    const at = this.offset;
    if (bytes > this.data.length - at) throw new Amf0Error('truncated AMF0 data');
    this.offset += bytes;
    return at;
  }

  private u8(): number {
    return this.view.getUint8(this.need(1));
  }

  private u16(): number {
    return this.view.getUint16(this.need(2));
  }

  private u32(): number {
    return this.view.getUint32(this.need(4));
  }

  private f64(): number {
    return this.view.getFloat64(this.need(8));
  }

  private utf8(length: number): string {
    const at = this.need(length);
    return Buffer.from(this.data.buffer, this.data.byteOffset + at, length).toString('utf8');
  }
}
