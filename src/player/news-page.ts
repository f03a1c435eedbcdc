/**
 * `/news/<channel-id>`: a channel's news, newest first, each item verified in this page. The
 * history (rotations, then the last 50 items) is fetched and checked in seq order; new items then
 * arrive as server-sent events and go through the same trust state. Anything refused is listed
 * apart with its reason, never shown as news.
 */
import type { SignedEnvelope } from '../contracts/channel.js';
import { channelIdFromPath, fetchChannelInfo, fetchEnvelopeTexts } from './channel-api.js';
import { followChannel } from './channel-events.js';
import { h, listRefusal, safeLink, showProblem, timeElement, verifiedMark } from './channel-dom.js';
import { decodeText, isRefusal, PageTrust, type Verdict } from './channel-verify.js';
import { markHiddenChars } from '../swarm/text/hidden-chars.js';
import { peerText } from '../swarm/text/peer-text-dom.js';

const list = document.querySelector<HTMLOListElement>('#news')!;
const empty = document.querySelector<HTMLElement>('#empty')!;
const trustedKey = document.querySelector<HTMLElement>('#trusted-key')!;

/** Envelopes already accepted or refused, by signature (undecodable text: by the text itself). */
const seen = new Set<string>();

function show(envelope: SignedEnvelope<'news'>): void {
  const item = h(
    'li',
    { 'data-seq': String(envelope.seq) },
    h(
      'header',
      {},
      timeElement(envelope.issued),
      h('span', { class: 'seq' }, `#${envelope.seq}`),
      verifiedMark(envelope.signer),
    ),
    // Isolated (dir=auto) and with hidden characters shown: an RLO cannot turn this item around.
    peerText(envelope.body.text, { tag: 'p', attrs: { class: 'text' } }),
    envelope.body.link && h('p', { class: 'link' }, safeLink(envelope.body.link)),
  );
  // Newest first, wherever a late item belongs.
  const after = [...list.children].find(
    (child) => Number(child.getAttribute('data-seq')) < envelope.seq,
  );
  list.insertBefore(item, after ?? null);
  empty.hidden = true;
}

function record(verdict: Verdict): void {
  const { envelope } = verdict;
  if (seen.has(envelope.sig)) return;
  seen.add(envelope.sig);
  if (verdict.status === 'refused') return listRefusal(verdict.refusal);
  if (verdict.status === 'accepted' && envelope.kind === 'news') show(envelope);
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
    // Releases belong to the updates page; rotations decide which key signs the news.
    const relevant = envelopes.filter((e) => e.kind !== 'release');
    for (const verdict of trust.offerInOrder(relevant)) record(verdict);
  };

  // On load and on every (re)connect of the event stream: whatever was posted while none was open.
  const sync = async () => {
    syncing++;
    try {
      const rotations = await fetchEnvelopeTexts(channel, 'rotations');
      const news = await fetchEnvelopeTexts(channel, 'news');
      ingest([...rotations, ...news]);
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
