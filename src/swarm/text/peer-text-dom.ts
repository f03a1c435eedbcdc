/**
 * The one way a page shows text that came from another peer (news items, release notes, versions,
 * file names; later chat messages, share names, workspace text, lobby names). Browser only.
 *
 * - Isolated: the text goes in its own element with `dir="auto"` (`<bdi>` by default), a bidi
 *   isolate in HTML, so whatever it holds cannot reorder the text around it, and its direction
 *   comes from its own first strong letter: Hebrew and Arabic read right to left, mixed text reads
 *   naturally (UAX #9, rule P2/P3; HTML's `bdi` element and `dir=auto`).
 * - Shown as written: only text nodes, never HTML. A hidden character (`hidden-chars.ts`: bidi
 *   controls, C0/C1 controls, invisible format characters) is not applied but replaced by a token,
 *   `<span class="hidden-char" dir="ltr" title="U+202E RIGHT-TO-LEFT OVERRIDE">⟨RLO⟩</span>`, so a
 *   reader sees it is there (CVE-2021-42574, Boucher & Anderson, "Trojan Source"). Layout white
 *   space (HT, LF, CR) is kept: a page lays it out without reordering anything.
 *
 * The tokens are styled by `web/peer-text.css` (a page that shows peer text links it): a token
 * then looks unlike typed text such as a literal "⟨RLO⟩".
 */
import { codePointLabel } from './char-labels.js';
import { hiddenCharToken, splitHiddenChars, type HiddenChar } from './hidden-chars.js';

export interface PeerTextOptions {
  /** The isolating element. @default 'bdi' */
  tag?: keyof HTMLElementTagNameMap;
  /** More attributes for it; `class` is added to `peer-text`, `dir` is always `auto`. */
  attrs?: Record<string, string>;
}

/** The token shown instead of a hidden character. */
export function hiddenCharElement(hidden: HiddenChar): HTMLElement {
  const token = document.createElement('span');
  token.className = 'hidden-char';
  // Its own isolate, left to right: "⟨RLO⟩" reads the same inside right-to-left text.
  token.dir = 'ltr';
  token.dataset.codePoint = codePointLabel(hidden.codePoint);
  token.title = `${hidden.description}: an invisible character, shown here instead of applied`;
  token.textContent = hiddenCharToken(hidden);
  return token;
}

/**
 * Text nodes and tokens for `text`, not isolated: for an element the caller makes an isolate
 * itself. `peerText` is the usual choice.
 */
export function peerTextNodes(text: string): Node[] {
  return splitHiddenChars(text, { keepLayoutWhitespace: true }).map((piece) =>
    'text' in piece ? document.createTextNode(piece.text) : hiddenCharElement(piece.hidden),
  );
}

/** `text` in an isolating element: `<bdi dir="auto" class="peer-text">…</bdi>` by default. */
export function peerText(text: string, options: PeerTextOptions = {}): HTMLElement {
  const element = document.createElement(options.tag ?? 'bdi');
  for (const [name, value] of Object.entries(options.attrs ?? {}))
    element.setAttribute(name, value);
  element.classList.add('peer-text');
  element.dir = 'auto';
  element.append(...peerTextNodes(text));
  return element;
}
