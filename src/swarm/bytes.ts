/**
 * Bounds-checked binary reading and writing for wire formats. Every read checks the remaining
 * length first, so a truncated or lying message fails with a WireError rather than a RangeError
 * deep in a DataView, and nothing is allocated from an untrusted length.
 */
export class WireError extends Error {
  override readonly name = 'WireError';
}

export class ByteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get remaining(): number {
    return this.data.length - this.offset;
  }

  private need(count: number): void {
    if (count > this.remaining) throw new WireError('message truncated');
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.offset++);
  }

  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  f64(): number {
    this.need(8);
    const value = this.view.getFloat64(this.offset);
    this.offset += 8;
    return value;
  }

  /** A view (not a copy) of the next `count` bytes. */
  bytes(count: number): Uint8Array {
    this.need(count);
    const out = this.data.subarray(this.offset, this.offset + count);
    this.offset += count;
    return out;
  }

  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  end(): void {
    if (this.remaining !== 0) throw new WireError('trailing bytes');
  }
}

export class ByteWriter {
  private readonly buffer: Uint8Array;
  private readonly view: DataView;
  private offset = 0;

  constructor(capacity: number) {
    this.buffer = new Uint8Array(capacity);
    this.view = new DataView(this.buffer.buffer);
  }

  private room(count: number): void {
    if (this.offset + count > this.buffer.length)
      throw new RangeError('ByteWriter capacity exceeded');
  }

  u8(value: number): void {
    this.room(1);
    this.view.setUint8(this.offset++, value);
  }

  u32(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
      throw new RangeError(`u32 out of range: ${value}`);
    this.room(4);
    this.view.setUint32(this.offset, value);
    this.offset += 4;
  }

  f64(value: number): void {
    this.room(8);
    this.view.setFloat64(this.offset, value);
    this.offset += 8;
  }

  bytes(value: Uint8Array): void {
    this.room(value.length);
    this.buffer.set(value, this.offset);
    this.offset += value.length;
  }

  finish(): Uint8Array {
    return this.buffer.subarray(0, this.offset);
  }
}
