/**
 * Which characters in text from other peers must be shown rather than applied: the one
 * classification behind the page renderer (`peer-text-dom.ts`), the terminal escaper
 * (`terminal-text.ts`) and the file-name check at publish and on receipt (`release-paths.ts`), so
 * the three never disagree on the set.
 *
 * Why: Unicode's bidirectional controls reorder what follows them (UAX #9, "Unicode Bidirectional
 * Algorithm"), so `\u202Egnp.exe` displays as `exe.png`: the "Trojan Source" attack of Boucher and
 * Anderson (CVE-2021-42574). Other format characters are invisible and make two different texts
 * look the same, and C0/C1 controls drive a terminal (move the cursor, clear the screen).
 *
 * The set ("hidden" characters):
 *   - control:   C0 (U+0000–U+001F), DEL, C1 (U+0080–U+009F)
 *   - bidi:      Bidi_Control: LRE RLE PDF LRO RLO (U+202A–U+202E), LRI RLI FSI PDI
 *                (U+2066–U+2069), LRM RLM ALM
 *   - separator: LINE SEPARATOR, PARAGRAPH SEPARATOR (a paragraph break restarts the bidi run)
 *   - format:    General Category Cf, plus Default_Ignorable_Code_Point (variation selectors,
 *                Hangul fillers, the combining grapheme joiner, tags…): invisible by definition
 *   - surrogate: a lone UTF-16 surrogate (decoded JSON can hold one; it prints as nothing useful)
 *
 * Kept, because there they change what is drawn and so are not hidden:
 *   - ZWJ between emoji (👩‍💻, 🏳️‍🌈), and ZWJ/ZWNJ between letters of a script that joins or
 *     conjoins letters (Persian `می‌خواهم`, Devanagari half forms). Between Latin letters, at an
 *     edge, or doubled they draw nothing, so they are shown.
 *   - One variation selector right after a visible character (❤️ is U+2764 U+FE0F). A second one in
 *     a row is shown: runs of selectors are how data is smuggled inside an emoji.
 *   - A subdivision flag (🏴 + 3–6 tag letters or digits + CANCEL TAG, e.g. England's). Other tags
 *     are shown: tags are otherwise invisible ASCII.
 *   - The prepended concatenation marks (U+0600–U+0605 and kin): Cf, but drawn as visible signs.
 *   - With `keepLayoutWhitespace`, HT, LF and CR: a page lays them out as white space (CSS
 *     `pre-wrap`) without reordering anything; a terminal would act on them, so it shows them.
 *
 * Nothing else is changed: no normalisation (precomposed é and e + U+0301 stay as written), no
 * removal. Confusable letters (Cyrillic а for Latin a) are a different problem (UTS #39), not
 * handled here.
 */
import { charAbbreviation, charDescription } from './char-labels.js';

export type HiddenKind = 'control' | 'bidi' | 'separator' | 'format' | 'surrogate';

export interface HiddenChar {
  /** The character as it was in the text (one code point, or one lone surrogate). */
  char: string;
  codePoint: number;
  kind: HiddenKind;
  /** Its UTF-16 offset in the text. */
  index: number;
  /** Short label: `RLO`, `ESC`, or `U+2061` when it has no common abbreviation. */
  label: string;
  /** `U+202E RIGHT-TO-LEFT OVERRIDE`: for a tooltip or an error line. */
  description: string;
}

/** A run of text to show as it is, or one hidden character to show as a token. */
export type TextPiece = { text: string } | { hidden: HiddenChar };

export interface HiddenCharOptions {
  /**
   * Let HT, LF and CR through as text (a page with `white-space: pre-wrap`); otherwise they are
   * hidden characters like any other control (a terminal, a file name).
   * @default false
   */
  keepLayoutWhitespace?: boolean;
}

const BIDI_CONTROL = /^\p{Bidi_Control}$/u;
const FORMAT = /^[\p{Cf}\p{Default_Ignorable_Code_Point}]$/u;
const SEPARATOR = /^[\p{Zl}\p{Zp}]$/u;
const LETTER_OR_MARK = /^[\p{L}\p{M}]$/u;
const EMOJI = /^\p{Extended_Pictographic}$/u;
const EMOJI_MODIFIER = /^\p{Emoji_Modifier}$/u;
/**
 * Scripts whose rendering uses ZWJ/ZWNJ: the cursive joining scripts and the Brahmic scripts
 * with conjuncts and half forms (The Unicode Standard, 23.2 "Layout Controls").
 */
const JOINING_SCRIPT = new RegExp(
  `^[${[
    'Arabic',
    'Syriac',
    'Nko',
    'Mongolian',
    'Mandaic',
    'Adlam',
    'Hanifi_Rohingya',
    'Devanagari',
    'Bengali',
    'Gurmukhi',
    'Gujarati',
    'Oriya',
    'Tamil',
    'Telugu',
    'Kannada',
    'Malayalam',
    'Sinhala',
    'Myanmar',
    'Khmer',
    'Tibetan',
  ]
    .map((script) => `\\p{scx=${script}}`)
    .join('')}]$`,
  'u',
);
/** Cf, yet drawn as a sign spanning the digits that follow (Prepended_Concatenation_Mark). */
const PREPENDED_MARKS = new Set([
  0x0600, 0x0601, 0x0602, 0x0603, 0x0604, 0x0605, 0x06dd, 0x070f, 0x0890, 0x0891, 0x08e2, 0x110bd,
  0x110cd,
]);
const LAYOUT_WHITESPACE = new Set([0x09, 0x0a, 0x0d]);
const ZWNJ = 0x200c;
const ZWJ = 0x200d;
const VS16 = 0xfe0f;
const BLACK_FLAG = 0x1f3f4;
const CANCEL_TAG = 0xe007f;

function isVariationSelector(cp: number): boolean {
  return (
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef) ||
    (cp >= 0x180b && cp <= 0x180d) ||
    cp === 0x180f
  );
}

/** A tag letter or digit (U+E0030–U+E0039, U+E0061–U+E007A), as subdivision flags use. */
function isFlagTag(cp: number): boolean {
  return (cp >= 0xe0030 && cp <= 0xe0039) || (cp >= 0xe0061 && cp <= 0xe007a);
}

/** The kind of a code point taken alone, or undefined for an ordinary visible one. */
export function hiddenKind(cp: number): HiddenKind | undefined {
  if (cp >= 0xd800 && cp <= 0xdfff) return 'surrogate';
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp <= 0x9f)) return 'control';
  if (cp < 0xa0) return undefined;
  const char = String.fromCodePoint(cp);
  if (BIDI_CONTROL.test(char)) return 'bidi';
  if (SEPARATOR.test(char)) return 'separator';
  if (FORMAT.test(char)) return 'format';
  return undefined;
}

const charOf = (cp: number | undefined) => (cp === undefined ? '' : String.fromCodePoint(cp));

function inJoiningScript(cp: number | undefined): boolean {
  const char = charOf(cp);
  return LETTER_OR_MARK.test(char) && JOINING_SCRIPT.test(char);
}

/** Whether the joiner at `i` changes what is drawn (see the module comment). */
function joinerShapes(cps: readonly number[], i: number): boolean {
  const before = cps[i - 1];
  const after = cps[i + 1];
  if (inJoiningScript(before) && inJoiningScript(after)) return true;
  if (cps[i] !== ZWJ || before === undefined) return false;
  const prior = charOf(before);
  const emojiBefore = EMOJI.test(prior) || EMOJI_MODIFIER.test(prior) || before === VS16;
  return emojiBefore && EMOJI.test(charOf(after));
}

/** Whether the selector at `i` follows a visible character (and not another selector). */
function selectsVisible(cps: readonly number[], i: number): boolean {
  const before = cps[i - 1];
  if (before === undefined || isVariationSelector(before) || hiddenKind(before)) return false;
  return !/^\s$/u.test(charOf(before));
}

/** How many code points after the black flag at `i` form a subdivision flag's tags, or 0. */
function flagTagLength(cps: readonly number[], i: number): number {
  let j = i + 1;
  while (j < cps.length && isFlagTag(cps[j]!)) j++;
  const letters = j - i - 1;
  return letters >= 3 && letters <= 6 && cps[j] === CANCEL_TAG ? letters + 1 : 0;
}

/** Whether the hidden character at `i` is one of the exceptions the module comment lists. */
function keptInPlace(cps: readonly number[], i: number, options: HiddenCharOptions): boolean {
  const cp = cps[i]!;
  if (options.keepLayoutWhitespace === true && LAYOUT_WHITESPACE.has(cp)) return true;
  if (PREPENDED_MARKS.has(cp)) return true;
  if (cp === ZWJ || cp === ZWNJ) return joinerShapes(cps, i);
  return isVariationSelector(cp) && selectsVisible(cps, i);
}

/**
 * Splits `text` into runs to show as written and hidden characters to show as tokens, in order.
 * Joining the pieces back (`text` as is, `hidden.char` for hidden ones) gives `text` exactly.
 */
export function splitHiddenChars(text: string, options: HiddenCharOptions = {}): TextPiece[] {
  const chars = Array.from(text);
  const cps = chars.map((char) => char.codePointAt(0)!);
  const pieces: TextPiece[] = [];
  let run = '';
  let index = 0;
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    const cp = cps[i]!;
    const at = index;
    index += char.length;
    if (cp === BLACK_FLAG) {
      const tags = flagTagLength(cps, i);
      run += chars.slice(i, i + 1 + tags).join('');
      for (const tag of chars.slice(i + 1, i + 1 + tags)) index += tag.length;
      i += tags;
      continue;
    }
    const kind = hiddenKind(cp);
    if (kind === undefined || keptInPlace(cps, i, options)) {
      run += char;
      continue;
    }
    if (run) pieces.push({ text: run });
    run = '';
    pieces.push({
      hidden: {
        char,
        codePoint: cp,
        kind,
        index: at,
        label: charAbbreviation(cp),
        description: charDescription(cp),
      },
    });
  }
  if (run) pieces.push({ text: run });
  return pieces;
}

/** The hidden characters of `text`, in order (empty when it can be shown as it is). */
export function findHiddenChars(text: string, options: HiddenCharOptions = {}): HiddenChar[] {
  return splitHiddenChars(text, options).flatMap((piece) =>
    'hidden' in piece ? [piece.hidden] : [],
  );
}

/** The visible stand-in for a hidden character: `⟨RLO⟩`. Brackets U+27E8/U+27E9. */
export function hiddenCharToken(hidden: HiddenChar): string {
  return `⟨${hidden.label}⟩`;
}

/**
 * `text` with every hidden character replaced by its token, as one plain string: for places that
 * take no markup (a window title, a log line). `markHiddenChars('\u202Eab')` → `'⟨RLO⟩ab'`.
 */
export function markHiddenChars(text: string, options: HiddenCharOptions = {}): string {
  return splitHiddenChars(text, options)
    .map((piece) => ('text' in piece ? piece.text : hiddenCharToken(piece.hidden)))
    .join('');
}
