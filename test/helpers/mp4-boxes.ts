/** Lists the top-level ISO BMFF boxes of a buffer, to check segments are real fMP4. */
export function topLevelBoxes(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const types: string[] = [];
  let offset = 0;
  while (offset + 8 <= bytes.length) {
    let size = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (size === 1) size = Number(view.getBigUint64(offset + 8));
    if (size < 8 || offset + size > bytes.length) throw new Error(`bad box ${type} at ${offset}`);
    types.push(type);
    offset += size;
  }
  if (offset !== bytes.length) throw new Error(`trailing bytes after box list at ${offset}`);
  return types;
}
