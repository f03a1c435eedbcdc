/**
 * The little DOM and formatting the channel pages share. Everything from an envelope goes in as
 * text nodes or checked attributes, never as HTML: a signed envelope proves who wrote it, not that
 * it is harmless. Text a peer wrote (or a message quoting it) goes through `peerText`, isolated and
 * with its hidden characters shown (`src/swarm/text/peer-text-dom.ts`).
 */
import { peerText } from '../swarm/text/peer-text-dom.js';
import type { Refusal } from './channel-verify.js';

type Child = Node | string | null | undefined | false;

/** `<tag attrs…>children</tag>`; string children become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

/**
 * A link only for http(s) URLs (the schema requires that too; a page does not rely on it). Its
 * text is the peer's, so it is shown through `peerText`.
 */
export function safeLink(url: string, text = url): HTMLElement {
  try {
    const { protocol } = new URL(url);
    if (protocol !== 'http:' && protocol !== 'https:') return peerText(text);
  } catch {
    return peerText(text);
  }
  return h(
    'a',
    { href: url, rel: 'noopener noreferrer nofollow', target: '_blank' },
    peerText(text),
  );
}

/** "2026-03-01 14:05 UTC": the same form the CLI prints, unambiguous across time zones. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function timeElement(ms: number): HTMLTimeElement {
  const node = h('time', { datetime: new Date(ms).toISOString() }, formatTime(ms));
  node.title = new Date(ms).toLocaleString();
  return node;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** The "verified" mark: which key signed, by its first 8 hex digits. */
export function verifiedMark(signer: string): HTMLElement {
  const mark = h('span', { class: 'verified', 'data-signer': signer }, '✓ verified · key ');
  mark.append(h('code', {}, signer.slice(0, 8)));
  mark.title = `signature checked in this page against key ${signer}`;
  return mark;
}

/**
 * Puts a page-level problem (no such channel, seeder unreachable) where the reader sees it. The
 * message may quote the seeder or a peer, so it is isolated and its hidden characters shown.
 */
export function showProblem(message: string): void {
  const box = document.querySelector<HTMLElement>('#problem');
  if (!box) return;
  box.replaceChildren(peerText(message));
  box.hidden = false;
}

/**
 * Adds an envelope or file the page would not accept to the "refused" section, with the reason.
 * `what` (a file name) and the message (which can quote the envelope) are peer text.
 */
export function listRefusal(refusal: Refusal, what?: string): void {
  const section = document.querySelector<HTMLElement>('#refused');
  const list = document.querySelector<HTMLElement>('#refused-list');
  if (!section || !list) return;
  const label = what ?? (refusal.seq === undefined ? 'envelope' : `seq ${refusal.seq}`);
  list.append(
    h(
      'li',
      { 'data-reason': refusal.reason },
      peerText(label),
      ': ',
      h('b', {}, refusal.reason),
      ' — ',
      peerText(refusal.message),
    ),
  );
  section.hidden = false;
}
