/**
 * `/news/<channel-id>`: a channel's news, newest first, each item verified in this page. The
 * history (rotations, then the last 50 items) is fetched and checked in seq order; new items then
 * arrive as server-sent events and go through the same trust state. The newest release is an
 * item too, with its tree of files and a link to the updates page that fetches it. Anything
 * refused is listed apart with its reason, never shown as news.
 */
import type { SignedEnvelope } from '../contracts/channel.js';
import {
  channelIdFromPath,
  fetchChannelInfo,
  fetchEnvelopeTexts,
  fetchReleaseText,
} from './channel-api.js';
import { followChannel } from './channel-events.js';
import {
  formatBytes,
  h,
  listRefusal,
  safeLink,
  showProblem,
  timeElement,
  verifiedMark,
} from './channel-dom.js';
import { describeReleaseTree, releaseTreeRows, type ReleaseTreeRow } from './release-tree.js';
import { decodeText, isRefusal, PageTrust, type Verdict } from './channel-verify.js';
import { markHiddenChars } from '../swarm/text/hidden-chars.js';
import { peerText } from '../swarm/text/peer-text-dom.js';

const list = document.querySelector<HTMLOListElement>('#news')!;
const empty = document.querySelector<HTMLElement>('#empty')!;
const trustedKey = document.querySelector<HTMLElement>('#trusted-key')!;

/** Envelopes already accepted or refused, by signature (undecodable text: by the text itself). */
const seen = new Set<string>();

function header(envelope: SignedEnvelope): HTMLElement {
  return h(
    'header',
    {},
    timeElement(envelope.issued),
    h('span', { class: 'seq' }, `#${envelope.seq}`),
    verifiedMark(envelope.signer),
  );
}

function newsBody(envelope: SignedEnvelope<'news'>): Node[] {
  return [
    // Isolated (dir=auto) and with hidden characters shown: an RLO cannot turn this item around.
    peerText(envelope.body.text, { tag: 'p', attrs: { class: 'text' } }),
    ...(envelope.body.link ? [h('p', { class: 'link' }, safeLink(envelope.body.link))] : []),
  ];
}

function treeItem(row: ReleaseTreeRow): HTMLLIElement {
  const item = h(
    'li',
    { style: `--depth: ${row.depth}`, title: row.path },
    row.kind === 'dir'
      ? peerText(`${row.name}/`, { tag: 'code', attrs: { class: 'dir' } })
      : peerText(row.name, { tag: 'code' }),
  );
  if (row.kind === 'dir' && row.empty) item.append(h('span', { class: 'empty' }, ' (empty)'));
  if (row.kind === 'file') {
    item.append(` ${formatBytes(row.file.length)}`);
    if (row.file.executable) item.append(h('span', { class: 'exec' }, 'executable'));
  }
  return item;
}

function releaseBody(envelope: SignedEnvelope<'release'>, channel: string): Node[] {
  const release = envelope.body;
  const rows = releaseTreeRows(release);
  return [
    h(
      'p',
      { class: 'text' },
      'Release ',
      peerText(release.version, { tag: 'strong' }),
      ' · ',
      h('a', { href: `/updates/${channel}` }, 'download and verify it on the updates page'),
    ),
    ...(release.notes === undefined
      ? []
      : [peerText(release.notes, { tag: 'p', attrs: { class: 'text notes' } })]),
    h(
      'details',
      { class: 'release-tree' },
      h('summary', {}, describeReleaseTree(rows)),
      h('ul', {}, ...rows.map(treeItem)),
    ),
  ];
}

function show(envelope: SignedEnvelope<'news' | 'release'>, channel: string): void {
  const item = h(
    'li',
    { 'data-seq': String(envelope.seq), 'data-kind': envelope.kind },
    header(envelope),
    ...(envelope.kind === 'release' ? releaseBody(envelope, channel) : newsBody(envelope)),
  );
  // Newest first, wherever a late item belongs.
  const after = [...list.children].find(
    (child) => Number(child.getAttribute('data-seq')) < envelope.seq,
  );
  list.insertBefore(item, after ?? null);
  empty.hidden = true;
}

function record(verdict: Verdict, channel: string): void {
  const { envelope } = verdict;
  if (seen.has(envelope.sig)) return;
  seen.add(envelope.sig);
  if (verdict.status === 'refused') return listRefusal(verdict.refusal);
  if (verdict.status === 'accepted' && envelope.kind !== 'key-rotation') show(envelope, channel);
  if (verdict.status === 'accepted' && envelope.kind === 'key-rotation') {
    trustedKey.textContent = `${envelope.body.newKey.slice(0, 8)} (rotated at seq ${envelope.seq})`;
  }
}

function start(channel: string): void {
  const trust = new PageTrust(channel);
  /** Live envelopes held back while a history fetch is in flight, so seq order is kept. */
  const held: string[] = [];
  let syncing = 0;

  const ingest = (texts: readonly string[]) => {
    const envelopes: SignedEnvelope[] = [];
    for (const text of texts) {
      const decoded = decodeText(text);
      if (!isRefusal(decoded)) envelopes.push(decoded);
      else if (!seen.has(text)) {
        seen.add(text);
        listRefusal(decoded);
      }
    }
    // Rotations decide which key signs the rest, so all go through one trust state in seq order.
    for (const verdict of trust.offerInOrder(envelopes)) record(verdict, channel);
  };

  // On load and on every (re)connect of the event stream: whatever was posted while none was open.
  const sync = async () => {
    syncing++;
    try {
      const rotations = await fetchEnvelopeTexts(channel, 'rotations');
      const news = await fetchEnvelopeTexts(channel, 'news');
      const release = await fetchReleaseText(channel);
      ingest([...rotations, ...news, ...(release === undefined ? [] : [release])]);
    } catch (error) {
      showProblem(`Could not load the news history: ${(error as Error).message}`);
    } finally {
      syncing--;
      if (syncing === 0) ingest(held.splice(0));
      document.body.dataset.state = 'ready';
    }
  };

  followChannel(channel, {
    onEnvelope: (text) => {
      if (syncing > 0) held.push(text);
      else ingest([text]);
    },
    onOpen: () => void sync(),
  });
  void sync();
}

async function main(): Promise<void> {
  const channel = channelIdFromPath(location.pathname);
  if (!channel) return showProblem('This address names no channel: /news/<64 hex digits>.');
  document.querySelector('#channel-id')!.textContent = channel;
  trustedKey.textContent = `${channel.slice(0, 8)} (the channel key)`;
  document.title = `News · ${channel.slice(0, 8)}`;
  try {
    const info = await fetchChannelInfo(channel);
    // The name is the seeder's word, so it is shown like peer text.
    document.querySelector('#channel-name')!.replaceChildren(peerText(info.name));
    document.title = `News · ${markHiddenChars(info.name)}`;
  } catch (error) {
    document.body.dataset.state = 'error';
    return showProblem((error as Error).message);
  }
  start(channel);
}

void main();
