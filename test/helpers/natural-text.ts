/**
 * Text as people write it, in several scripts and with the joiners and selectors that shape it:
 * the peer-text helpers must show all of it unchanged.
 */
export const NATURAL = [
  'Server maintenance at 6',
  'é vs e\u0301', // precomposed, then e + COMBINING ACUTE: both as written, never normalised
  'שלום עולם, version 2.1 ready',
  'مرحبا بالعالم',
  'می\u200Cخواهم', // Persian: ZWNJ between Arabic-script letters
  'क्\u200Dष', // Devanagari: virama + ZWJ (half form)
  '👩\u200D💻', // woman technologist: ZWJ sequence
  '🏳\uFE0F\u200D🌈', // rainbow flag: VS16 then ZWJ
  '👩🏽\u200D🦰', // skin tone modifier, then ZWJ
  '❤\uFE0F',
  '1\uFE0F\u20E3', // keycap one
  '🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}', // England: a tag sequence
  '\u0600\u0661\u0662', // ARABIC NUMBER SIGN spanning digits: Cf, but visible
  '日本語のテキスト',
  'tab-free ascii: <script>alert(1)</script> & "quotes"',
];
