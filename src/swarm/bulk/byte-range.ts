/**
 * The HTTP Range header, as far as a web seed needs it: one `bytes=` range per request, which is
 * what every web-seed client sends. Anything else is refused (416) rather than ignored, because
 * ignoring it would answer a piece request with the whole file and multiply the origin's egress.
 */

export type RangeRequest =
  | { kind: 'whole' }
  /** Inclusive bounds, clamped to the file. */
  | { kind: 'range'; start: number; end: number }
  | { kind: 'refused' };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

export function parseByteRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'whole' };
  const match = SINGLE_RANGE.exec(header.trim());
  if (!match) return { kind: 'refused' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'refused' };
  if (first === '') {
    // `-n`: the last n bytes.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'refused' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || end < start) return { kind: 'refused' };
  return { kind: 'range', start, end };
}
