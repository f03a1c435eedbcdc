/**
 * The terminal escaper (src/swarm/text/terminal-text.ts): what it prints can neither drive a
 * terminal (C0/C1 controls) nor reorder a line (bidi controls); natural text passes unchanged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { terminalText } from '../../src/swarm/text/terminal-text.js';
import { NATURAL } from '../helpers/natural-text.js';

/** What must never reach a terminal from a peer. */
const FORBIDDEN = /[\p{Cc}\p{Bidi_Control}\p{Zl}\p{Zp}\p{Cs}]/u;
const BIDI = [
  '\u202A',
  '\u202B',
  '\u202C',
  '\u202D',
  '\u202E',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200E',
  '\u200F',
  '\u061C',
];

const hostileUnit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)),
  fc.constantFrom(...BIDI, '\x1b', '\x9b', '\r', '\n', '\x07', '\u2029', '\u200D', '\uFE0F'),
);

describe('terminalText', () => {
  it('prints an item holding a clear-screen sequence and an RLO escaped', () => {
    expect(terminalText('\x1b[2JHacked \u202Egnp.exe')).toBe('⟨ESC⟩[2JHacked ⟨RLO⟩gnp.exe');
    expect(terminalText('\x1b]0;title\x07\u009b2J')).toBe('⟨ESC⟩]0;title⟨BEL⟩⟨CSI⟩2J');
    expect(terminalText('fine\r[2026-01-01 00:00] #99 fake')).toBe(
      'fine⟨CR⟩[2026-01-01 00:00] #99 fake',
    );
  });

  it('in reverse video for a terminal, still with no control of the peer inside', () => {
    const out = terminalText('a\x1bb', { highlight: true });
    expect(out).toBe('a\x1b[7m⟨ESC⟩\x1b[27mb');
    // The only ESCs are the two SGR sequences the escaper wrote itself.
    expect(out.replaceAll('\x1b[7m', '').replaceAll('\x1b[27m', '')).toBe('a⟨ESC⟩b');
  });

  it('property: the output never holds a control, bidi, separator or lone surrogate', () => {
    fc.assert(
      fc.property(fc.string({ unit: hostileUnit, maxLength: 60 }), (text) => {
        expect(terminalText(text)).not.toMatch(FORBIDDEN);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: escaping is idempotent (a token is text, not a character to escape again)', () => {
    fc.assert(
      fc.property(fc.string({ unit: hostileUnit, maxLength: 60 }), (text) => {
        const once = terminalText(text);
        expect(terminalText(once)).toBe(once);
      }),
    );
  });

  it('property: natural text (Hebrew, Arabic, emoji with ZWJ, combining marks) is unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...NATURAL), { maxLength: 8 }), (parts) => {
        const text = parts.join(' ');
        expect(terminalText(text)).toBe(text);
      }),
    );
  });

  it('property: a bidi control inserted anywhere in natural text shows as its token, in place', () => {
    const natural = fc.array(fc.constantFrom(...NATURAL), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(natural, fc.nat(), fc.constantFrom(...BIDI), (parts, at, control) => {
        const text = parts.join(' ');
        // Split between code points, never inside a surrogate pair.
        const chars = Array.from(text);
        const cut = at % (chars.length + 1);
        const before = chars.slice(0, cut).join('');
        const after = chars.slice(cut).join('');
        const shown = terminalText(`${before}${control}${after}`);
        expect(shown).not.toMatch(FORBIDDEN);
        const prefix = terminalText(before);
        expect(shown.startsWith(prefix)).toBe(true);
        expect(shown.slice(prefix.length)).toMatch(
          /^⟨(LRE|RLE|PDF|LRO|RLO|LRI|RLI|FSI|PDI|LRM|RLM|ALM)⟩/,
        );
      }),
    );
  });
});
