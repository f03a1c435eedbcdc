/**
 * Short labels and names for the characters that text from peers may not apply silently, so a
 * reader sees `⟨RLO⟩` where a RIGHT-TO-LEFT OVERRIDE was. Abbreviations follow the Unicode
 * character names and the customary control-code mnemonics (ISO 6429 for C0/C1; UAX #9 for the
 * bidi controls). A character without an entry is labelled by its code point, `U+2061`.
 */

/** `[abbreviation, Unicode name]` per code point. */
const LABELS = new Map<number, readonly [string, string]>([
  // UAX #9 explicit directional embeddings, overrides and isolates, and the implicit marks.
  [0x202a, ['LRE', 'LEFT-TO-RIGHT EMBEDDING']],
  [0x202b, ['RLE', 'RIGHT-TO-LEFT EMBEDDING']],
  [0x202c, ['PDF', 'POP DIRECTIONAL FORMATTING']],
  [0x202d, ['LRO', 'LEFT-TO-RIGHT OVERRIDE']],
  [0x202e, ['RLO', 'RIGHT-TO-LEFT OVERRIDE']],
  [0x2066, ['LRI', 'LEFT-TO-RIGHT ISOLATE']],
  [0x2067, ['RLI', 'RIGHT-TO-LEFT ISOLATE']],
  [0x2068, ['FSI', 'FIRST STRONG ISOLATE']],
  [0x2069, ['PDI', 'POP DIRECTIONAL ISOLATE']],
  [0x200e, ['LRM', 'LEFT-TO-RIGHT MARK']],
  [0x200f, ['RLM', 'RIGHT-TO-LEFT MARK']],
  [0x061c, ['ALM', 'ARABIC LETTER MARK']],
  // Invisible format characters met in spoofing and hidden-text tricks.
  [0x00ad, ['SHY', 'SOFT HYPHEN']],
  [0x200b, ['ZWSP', 'ZERO WIDTH SPACE']],
  [0x200c, ['ZWNJ', 'ZERO WIDTH NON-JOINER']],
  [0x200d, ['ZWJ', 'ZERO WIDTH JOINER']],
  [0x2060, ['WJ', 'WORD JOINER']],
  [0xfeff, ['BOM', 'ZERO WIDTH NO-BREAK SPACE (byte order mark)']],
  [0x034f, ['CGJ', 'COMBINING GRAPHEME JOINER']],
  [0x180e, ['MVS', 'MONGOLIAN VOWEL SEPARATOR']],
  [0x2028, ['LSEP', 'LINE SEPARATOR']],
  [0x2029, ['PSEP', 'PARAGRAPH SEPARATOR']],
  [0x3164, ['HF', 'HANGUL FILLER']],
  [0x7f, ['DEL', 'DELETE']],
]);

/** ISO 6429 mnemonics of C0 (U+0000–U+001F) and C1 (U+0080–U+009F), in code point order. */
const C0 =
  'NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESC FS GS RS US'.split(
    ' ',
  );
const C1 =
  'PAD HOP BPH NBH IND NEL SSA ESA HTS HTJ VTS PLD PLU RI SS2 SS3 DCS PU1 PU2 STS CCH MW SPA EPA SOS SGC SCI CSI ST OSC PM APC'.split(
    ' ',
  );

/** `U+202E`: four hex digits at least, as the Unicode standard writes code points. */
export function codePointLabel(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The short label shown between the brackets: `RLO`, `ESC`, or `U+2061` when it has none. */
export function charAbbreviation(codePoint: number): string {
  if (codePoint < 0x20) return C0[codePoint]!;
  if (codePoint >= 0x80 && codePoint <= 0x9f) return C1[codePoint - 0x80]!;
  // VS1–VS16 and VS17–VS256, as the Unicode names number them.
  if (codePoint >= 0xfe00 && codePoint <= 0xfe0f) return `VS${codePoint - 0xfe00 + 1}`;
  if (codePoint >= 0xe0100 && codePoint <= 0xe01ef) return `VS${codePoint - 0xe0100 + 17}`;
  return LABELS.get(codePoint)?.[0] ?? codePointLabel(codePoint);
}

/** `U+202E RIGHT-TO-LEFT OVERRIDE`, or just the code point when no name is kept here. */
export function charDescription(codePoint: number): string {
  const name = LABELS.get(codePoint)?.[1];
  if (name) return `${codePointLabel(codePoint)} ${name}`;
  const abbreviation = charAbbreviation(codePoint);
  if (codePoint < 0x20 || (codePoint >= 0x80 && codePoint <= 0x9f))
    return `${codePointLabel(codePoint)} control ${abbreviation}`;
  if (abbreviation.startsWith('VS'))
    return `${codePointLabel(codePoint)} VARIATION SELECTOR-${abbreviation.slice(2)}`;
  return codePointLabel(codePoint);
}
