/**
 * The classification of text from peers (src/swarm/text/hidden-chars.ts): which characters are
 * shown as tokens, which are kept where they shape the text, and that the split loses nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findHiddenChars,
  hiddenKind,
  markHiddenChars,
  splitHiddenChars,
} from '../../src/swarm/text/hidden-chars.js';
import { NATURAL } from '../helpers/natural-text.js';

const rejoin = (text: string, keepLayoutWhitespace = false) =>
  splitHiddenChars(text, { keepLayoutWhitespace })
    .map((piece) => ('text' in piece ? piece.text : piece.hidden.char))
    .join('');

describe('hidden characters', () => {
  it('marks the bidi override in the issue and keeps the rest as written', () => {
    const text = 'Release: \u202Egnp.exe and é vs e\u0301';
    expect(markHiddenChars(text)).toBe('Release: ⟨RLO⟩gnp.exe and é vs e\u0301');
    expect(findHiddenChars(text)).toEqual([
      {
        char: '\u202E',
        codePoint: 0x202e,
        kind: 'bidi',
        index: 9,
        label: 'RLO',
        description: 'U+202E RIGHT-TO-LEFT OVERRIDE',
      },
    ]);
  });

  it('marks every embedding, override, isolate and mark of UAX #9', () => {
    const controls = '\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C';
    expect(markHiddenChars(controls)).toBe(
      '⟨LRE⟩⟨RLE⟩⟨PDF⟩⟨LRO⟩⟨RLO⟩⟨LRI⟩⟨RLI⟩⟨FSI⟩⟨PDI⟩⟨LRM⟩⟨RLM⟩⟨ALM⟩',
    );
    expect(findHiddenChars(controls).every((hidden) => hidden.kind === 'bidi')).toBe(true);
  });

  it('marks C0, DEL and C1 controls by their ISO 6429 names', () => {
    expect(markHiddenChars('a\x1b[2Jb\x07\x00\x7f')).toBe('a⟨ESC⟩[2Jb⟨BEL⟩⟨NUL⟩⟨DEL⟩');
    expect(markHiddenChars('\u009b31m\u0085\u009d')).toBe('⟨CSI⟩31m⟨NEL⟩⟨OSC⟩');
    expect(markHiddenChars('one\ntwo\r\tthree')).toBe('one⟨LF⟩two⟨CR⟩⟨HT⟩three');
  });

  it('keeps HT, LF and CR only when asked to (a page lays them out)', () => {
    const text = 'one\ntwo\r\n\tthree\x1b';
    expect(markHiddenChars(text, { keepLayoutWhitespace: true })).toBe('one\ntwo\r\n\tthree⟨ESC⟩');
  });

  it('marks invisible format characters, separators and lone surrogates', () => {
    expect(markHiddenChars('ad\u200Bmin')).toBe('ad⟨ZWSP⟩min');
    expect(markHiddenChars('\uFEFFx\u00AD\u2060\u2061')).toBe('⟨BOM⟩x⟨SHY⟩⟨WJ⟩⟨U+2061⟩');
    expect(markHiddenChars('a\u2028b\u2029c')).toBe('a⟨LSEP⟩b⟨PSEP⟩c');
    expect(markHiddenChars('\u3164\u034F')).toBe('⟨HF⟩⟨CGJ⟩');
    expect(markHiddenChars('x\ud800y\udc00')).toBe('x⟨U+D800⟩y⟨U+DC00⟩');
    expect(hiddenKind(0x2028)).toBe('separator');
    expect(hiddenKind(0xd800)).toBe('surrogate');
    expect(hiddenKind(0x41)).toBeUndefined();
  });

  it('marks joiners where they draw nothing: Latin letters, edges, doubled, after a space', () => {
    expect(markHiddenChars('ad\u200Cmin')).toBe('ad⟨ZWNJ⟩min');
    expect(markHiddenChars('a\u200Db')).toBe('a⟨ZWJ⟩b');
    expect(markHiddenChars('\u200D👩')).toBe('⟨ZWJ⟩👩');
    expect(markHiddenChars('👩\u200D')).toBe('👩⟨ZWJ⟩');
    expect(markHiddenChars('👩\u200D\u200D💻')).toBe('👩⟨ZWJ⟩⟨ZWJ⟩💻');
    // ZWNJ does not join emoji; only ZWJ does.
    expect(markHiddenChars('👩\u200C💻')).toBe('👩⟨ZWNJ⟩💻');
    expect(markHiddenChars('می \u200Cخواهم')).toBe('می ⟨ZWNJ⟩خواهم');
  });

  it('keeps one variation selector after a visible character, and marks a run of them', () => {
    expect(markHiddenChars('❤\uFE0F')).toBe('❤\uFE0F');
    expect(markHiddenChars('❤\uFE0F\uFE0F')).toBe('❤\uFE0F⟨VS16⟩');
    expect(markHiddenChars(' \uFE0E')).toBe(' ⟨VS15⟩');
    expect(markHiddenChars('\u{E0100}')).toBe('⟨VS17⟩');
    // Emoji smuggling: bytes hidden as a run of selectors after one emoji.
    expect(markHiddenChars('😀\u{E0101}\u{E0102}')).toBe('😀\u{E0101}⟨VS19⟩');
  });

  it('keeps a subdivision flag, and marks tags anywhere else', () => {
    const england = '🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}';
    expect(markHiddenChars(england)).toBe(england);
    // Tags spelling hidden ASCII ("ASCII smuggling"), outside a flag or too long for one.
    expect(markHiddenChars('hi\u{E0041}\u{E0042}')).toBe('hi⟨U+E0041⟩⟨U+E0042⟩');
    const long = `🏴${'\u{E0061}'.repeat(7)}\u{E007F}`;
    expect(markHiddenChars(long)).toBe(`🏴${'⟨U+E0061⟩'.repeat(7)}⟨U+E007F⟩`);
  });

  it('leaves natural text, Hebrew, Arabic, Persian, Indic and emoji sequences unchanged', () => {
    for (const text of NATURAL) {
      expect(findHiddenChars(text), JSON.stringify(text)).toEqual([]);
      expect(markHiddenChars(text)).toBe(text);
    }
  });

  it('property: natural text joined in any order is never marked', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...NATURAL), { maxLength: 8 }), (parts) => {
        const text = parts.join(' ');
        expect(markHiddenChars(text)).toBe(text);
      }),
    );
  });

  it('property: the split loses nothing, and indices point at the hidden characters', () => {
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
      fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp)),
      fc.constantFrom('\u202E', '\u200D', '\u200C', '\uFE0F', '👩', 'ש', 'م', '\x1b', '\n'),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), fc.boolean(), (text, keep) => {
        expect(rejoin(text, keep)).toBe(text);
        for (const hidden of findHiddenChars(text, { keepLayoutWhitespace: keep }))
          expect(text.slice(hidden.index, hidden.index + hidden.char.length)).toBe(hidden.char);
      }),
    );
  });
});
