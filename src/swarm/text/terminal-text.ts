/**
 * Text from peers, made safe to print on a terminal. Every hidden character (see
 * `hidden-chars.ts`: C0 and C1 controls, bidi controls, invisible format characters) is printed as
 * its token, `⟨ESC⟩`, `⟨RLO⟩`, `⟨LF⟩`, and everything else as written.
 *
 * Why that is enough: a terminal acts on a control function only when it starts with a C0 code or
 * a C1 code (ECMA-48: ESC `[` … is CSI, ESC `]` … is OSC, or the 8-bit C1 forms U+009B, U+009D), so
 * once none reaches it an item cannot move the cursor, clear the screen (`ESC[2J`), recolour the
 * text, retitle the window or hide a line behind a carriage return. Line feeds are shown too, so an
 * item cannot print a line that looks like the next item. Bidi controls are shown for terminals
 * that apply UAX #9 (CVE-2021-42574, "Trojan Source").
 *
 * Shape: `terminalText('a\x1b[2Jb')` → `'a⟨ESC⟩[2Jb'`.
 */
import { hiddenCharToken, markHiddenChars, splitHiddenChars } from './hidden-chars.js';

export interface TerminalTextOptions {
  /**
   * Print tokens in reverse video (SGR 7 … 27), so a token stands out from text that merely looks
   * like one. Only for a stream that is a terminal (`stream.isTTY`).
   * @default false
   */
  highlight?: boolean;
}

const REVERSE = '\x1b[7m';
const REVERSE_OFF = '\x1b[27m';

export function terminalText(text: string, options: TerminalTextOptions = {}): string {
  if (!options.highlight) return markHiddenChars(text);
  return splitHiddenChars(text)
    .map((piece) =>
      'text' in piece ? piece.text : `${REVERSE}${hiddenCharToken(piece.hidden)}${REVERSE_OFF}`,
    )
    .join('');
}
