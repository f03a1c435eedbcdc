/**
 * Canonical JSON: every accepted value has exactly one byte form, and anything outside the
 * portable subset (floats, undefined, class instances, deep nesting) is refused by name.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalEncode,
  MAX_CANONICAL_DEPTH,
  parseCanonical,
  type CanonicalValue,
} from '../../src/swarm/channel/canonical.js';
import { ChannelError } from '../../src/swarm/channel/channel-error.js';
import { reasonOf } from '../helpers/channel-error.js';

const canonicalValue: fc.Arbitrary<CanonicalValue> = fc.letrec<{ value: CanonicalValue }>(
  (tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.string({ unit: 'grapheme' }),
      fc.maxSafeInteger().filter((n) => !Object.is(n, -0)),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(fc.string({ unit: 'grapheme' }), tie('value'), {
        maxKeys: 5,
        noNullPrototype: true,
      }),
    ),
  }),
).value;

/** The same object with its keys inserted in reverse order, at every level. */
function reversed(value: CanonicalValue): CanonicalValue {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, inner]) => [key, reversed(inner)]),
  );
}

/** [1, <hole>, 3] */
const holey: unknown[] = new Array<unknown>(3);
holey[0] = 1;
holey[2] = 3;

const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)]);

describe('canonicalEncode', () => {
  it('round-trips every value of the portable subset through parseCanonical', () => {
    fc.assert(
      fc.property(canonicalValue, (value) => {
        const text = canonicalEncode(value);
        expect(parseCanonical(text, Infinity)).toEqual(value);
        expect(parseCanonical(new TextEncoder().encode(text), Infinity)).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the order keys were inserted in', () => {
    fc.assert(
      fc.property(canonicalValue, (value) => {
        expect(canonicalEncode(reversed(value))).toBe(canonicalEncode(value));
      }),
      { numRuns: 300 },
    );
  });

  it('sorts keys by UTF-16 code unit and writes no whitespace', () => {
    expect(canonicalEncode({ b: 1, a: [true, null], B: 'x', '\u00e9': 0, '\ud83d\ude00': 0 })).toBe(
      '{"B":"x","a":[true,null],"b":1,"é":0,"😀":0}',
    );
  });

  it('refuses floats, -0, NaN, infinities and unsafe integers', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double().filter((n) => !Number.isSafeInteger(n) || Object.is(n, -0)),
          fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 53, -(2 ** 53), 0.5),
        ),
        (n) => {
          expect(reasonOf(() => canonicalEncode({ field: [n] }))).toBe('malformed');
        },
      ),
    );
  });

  it('refuses values JSON cannot carry the same way everywhere, naming where', () => {
    const cases: [unknown, string][] = [
      [{ a: undefined }, 'a:'],
      [{ a: { b: () => 1 } }, 'a.b:'],
      [{ a: [1, 2n] }, 'a[1]:'],
      [{ a: Symbol('s') }, 'a:'],
      [{ a: new Date(0) }, 'a:'],
      [{ a: new Uint8Array(1) }, 'a:'],
      [{ a: new Map() }, 'a:'],
      [{ a: 'lone \ud800 surrogate' }, 'a:'],
      [{ ['\udc00']: 1 }, ''],
      [{ a: holey }, 'a[1]:'],
      [{ [Symbol('k')]: 1 }, ''],
    ];
    for (const [value, where] of cases) {
      let caught: unknown;
      try {
        canonicalEncode(value);
      } catch (error) {
        caught = error;
      }
      expect(caught, String(where)).toBeInstanceOf(ChannelError);
      expect((caught as ChannelError).reason).toBe('malformed');
      expect((caught as ChannelError).message.startsWith(where)).toBe(true);
    }
  });

  it(`allows ${MAX_CANONICAL_DEPTH} levels of nesting and refuses more`, () => {
    expect(canonicalEncode(nested(MAX_CANONICAL_DEPTH))).toBe(
      `${'['.repeat(MAX_CANONICAL_DEPTH)}1${']'.repeat(MAX_CANONICAL_DEPTH)}`,
    );
    expect(reasonOf(() => canonicalEncode(nested(MAX_CANONICAL_DEPTH + 1)))).toBe('malformed');
  });

  it('accepts objects without a prototype and refuses getters', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.z = 1;
    expect(canonicalEncode(bare)).toBe('{"z":1}');
    const getter = Object.defineProperty({}, 'x', { get: () => 1, enumerable: true });
    expect(reasonOf(() => canonicalEncode(getter))).toBe('malformed');
  });
});

describe('parseCanonical', () => {
  it('refuses any other spelling of a value', () => {
    for (const text of [
      '{"b":1,"a":2}',
      '{"a": 1}',
      ' {"a":1}',
      '{"a":1}\n',
      '{"a":1,"a":1}',
      '{"a":1.0}',
      '{"a":1e2}',
      '{"a":"\\u0041"}',
      '\ufeff{"a":1}',
      '[1,]',
      '',
    ]) {
      expect(
        reasonOf(() => parseCanonical(text, 1000)),
        text,
      ).toBe('malformed');
    }
  });

  it('refuses invalid UTF-8 instead of replacing it', () => {
    const bytes = Uint8Array.from([0x22, 0xc3, 0x28, 0x22]);
    expect(reasonOf(() => parseCanonical(bytes, 1000))).toBe('malformed');
  });

  it('checks the size before parsing, in UTF-8 bytes', () => {
    expect(reasonOf(() => parseCanonical('"abc"', 4))).toBe('too-large');
    expect(reasonOf(() => parseCanonical(new Uint8Array(5), 4))).toBe('too-large');
    // Two UTF-16 units, four UTF-8 bytes (plus quotes).
    expect(reasonOf(() => parseCanonical('"😀"', 5))).toBe('too-large');
    expect(parseCanonical('"😀"', 6)).toBe('😀');
  });

  it('throws nothing but ChannelError on random input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.uint8Array({ maxLength: 200 })), (input) => {
        try {
          parseCanonical(input, 150);
        } catch (error) {
          expect(error).toBeInstanceOf(ChannelError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
