/**
 * `/updates/<channel-id>`: the channel's newest release, verified in this page (rotations first,
 * then the release, through the same trust rules a Node subscriber applies; an expired release is
 * refused and said to be one, since that is how a freeze shows). Download fetches the files
 * through WebTorrent in the page, checks each file's length and SHA-256 against the signed
 * manifest, and only then offers it to save.
 */
import type { SignedEnvelope } from '../contracts/channel.js';
import { ChannelError } from '../swarm/channel/channel-error.js';
import type { ChannelInfo } from '../swarm/channel/seeder-client.js';
import {
  channelIdFromPath,
  fetchChannelInfo,
  fetchEnvelopeTexts,
  fetchReleaseText,
  fetchReleaseTorrent,
} from './channel-api.js';
import {
  formatBytes,
  h,
  listRefusal,
  showProblem,
  timeElement,
  verifiedMark,
} from './channel-dom.js';
import { decodeText, isRefusal, PageTrust, type Refusal } from './channel-verify.js';
import { followChannel } from './channel-events.js';
import { markHiddenChars } from '../swarm/text/hidden-chars.js';
import { peerText } from '../swarm/text/peer-text-dom.js';
import { checkReleaseFile } from './release-file-check.js';
import { describeReleaseTree, releaseTreeRows, type ReleaseTreeRow } from './release-tree.js';
import { browserTrackerUrl, downloadRelease, type DownloadProgress } from './release-download.js';

type PageState = 'loading' | 'ready' | 'refused' | 'downloading' | 'verified' | 'error';

const downloadButton = document.querySelector<HTMLButtonElement>('#download')!;
const progressBar = document.querySelector<HTMLProgressElement>('#progress')!;
const progressText = document.querySelector<HTMLElement>('#progress-text')!;
const fileRows = document.querySelector<HTMLTableSectionElement>('#files tbody')!;

function setState(state: PageState): void {
  document.body.dataset.state = state;
}

function field(id: string, ...content: (Node | string)[]): void {
  document.querySelector(`#${id}`)!.replaceChildren(...content);
}

function daysFrom(now: number, then: number): string {
  const days = Math.round((then - now) / 86_400_000);
  return days === 0 ? 'today' : days > 0 ? `in ${days} days` : `${-days} days ago`;
}

/** The name cell of a tree row: indented by depth, the last part of the path only. */
function nameCell(row: ReleaseTreeRow, ...after: Node[]): HTMLTableCellElement {
  const name =
    row.kind === 'dir'
      ? peerText(`${row.name}/`, { tag: 'code', attrs: { class: 'path dir' } })
      : peerText(row.name, { tag: 'code', attrs: { class: 'path' } });
  return h(
    'td',
    { class: 'name', style: `--depth: ${row.depth}`, title: row.path },
    name,
    ...after,
  );
}

function treeRow(row: ReleaseTreeRow): HTMLTableRowElement {
  if (row.kind === 'dir') {
    return h(
      'tr',
      { 'data-kind': 'dir', 'data-dir': row.path },
      nameCell(row),
      h('td', { class: 'size' }, ''),
      h('td', {}, ''),
      h('td', { class: 'status' }, row.empty ? 'empty folder' : ''),
    );
  }
  const { file } = row;
  return h(
    'tr',
    { 'data-kind': 'file', 'data-path': file.path, 'data-status': 'pending' },
    nameCell(row, ...(file.executable ? [h('span', { class: 'exec' }, 'executable')] : [])),
    h('td', { class: 'size', title: `${file.length} bytes` }, formatBytes(file.length)),
    h('td', {}, h('code', { class: 'sha256' }, file.sha256)),
    h('td', { class: 'status' }, 'not downloaded'),
  );
}

function showRelease(envelope: SignedEnvelope<'release'>, verdict: Refusal | undefined): void {
  const now = Date.now();
  const release = envelope.body;
  field('version', peerText(release.version));
  field('seq', String(envelope.seq));
  field('issued', timeElement(envelope.issued));
  const expired = now >= envelope.expires;
  field(
    'expires',
    timeElement(envelope.expires),
    expired
      ? h('strong', { class: 'expired' }, ' — EXPIRED')
      : ` (${daysFrom(now, envelope.expires)})`,
  );
  field(
    'signature',
    verdict
      ? h('span', { class: 'refused' }, `✗ refused: ${verdict.reason}`)
      : verifiedMark(envelope.signer),
  );
  field('notes', release.notes === undefined ? '' : peerText(release.notes));
  const rows = releaseTreeRows(release);
  field('tree', describeReleaseTree(rows));
  fileRows.replaceChildren(...rows.map(treeRow));
  document.querySelector<HTMLElement>('#release')!.hidden = false;
}

/** Why the release is not offered, in words a reader can act on. */
function explainRefusal(envelope: SignedEnvelope<'release'>, refusal: Refusal): void {
  const box = document.querySelector<HTMLElement>('#release-refused')!;
  box.replaceChildren(
    refusal.reason === 'expired'
      ? h(
          'p',
          {},
          h('strong', {}, `This release expired on `),
          timeElement(envelope.expires),
          h('strong', {}, ' and is not offered. '),
          'An expired release is how a freeze attack looks: someone keeps serving an old release ' +
            'while newer ones are held back. Either that, or the publisher has not re-signed it ' +
            '(or this computer’s clock is wrong).',
        )
      : h(
          'p',
          {},
          h('strong', {}, `This release is refused (${refusal.reason}): `),
          peerText(refusal.message),
        ),
  );
  box.hidden = false;
}

function showProgress(progress: DownloadProgress): void {
  progressBar.max = progress.length;
  progressBar.value = progress.downloaded;
  const sources = [
    `${progress.peers} peer${progress.peers === 1 ? '' : 's'}`,
    ...(progress.webSeed ? ['the seeder’s web seed'] : []),
  ];
  progressText.textContent =
    `${formatBytes(progress.downloaded)} of ${formatBytes(progress.length)} ` +
    `(${Math.floor((100 * progress.downloaded) / Math.max(1, progress.length))} %) from ${sources.join(' and ')}`;
}

async function download(
  channel: string,
  info: ChannelInfo,
  envelope: SignedEnvelope<'release'>,
): Promise<void> {
  downloadButton.disabled = true;
  setState('downloading');
  progressBar.hidden = false;
  const manifest = envelope.body;
  const started = performance.now();
  try {
    const torrentFile = await fetchReleaseTorrent(channel);
    const result = await downloadRelease({
      manifest,
      torrentFile,
      webSeed: info.webSeed,
      tracker: browserTrackerUrl(info.tracker),
      onProgress: showProgress,
    });
    addEventListener('pagehide', () => void result.stop());
    let allGood = true;
    for (const file of manifest.files) {
      const row = fileRows.querySelector<HTMLTableRowElement>(
        `tr[data-path="${CSS.escape(file.path)}"]`,
      )!;
      const cell = row.querySelector<HTMLElement>('.status')!;
      const bytes = result.files.get(file.path);
      const refusal = bytes
        ? await checkReleaseFile(file, bytes)
        : { reason: 'length-mismatch' as const, message: `${file.path} is not in the torrent` };
      if (refusal) {
        allGood = false;
        row.dataset.status = 'refused';
        cell.replaceChildren(h('span', { class: 'refused' }, `✗ refused: ${refusal.reason}`));
        listRefusal(refusal, file.path);
        continue;
      }
      const url = URL.createObjectURL(new Blob([bytes!], { type: 'application/octet-stream' }));
      row.dataset.status = 'verified';
      cell.replaceChildren(
        h('span', { class: 'verified' }, '✓ length and SHA-256 match '),
        h('a', { href: url, download: file.path.split('/').pop()!, class: 'save' }, 'Save'),
      );
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    progressText.textContent += allGood
      ? ` · every file verified in ${seconds} s; seeding to other pages while this one is open`
      : ' · some files were refused and are not offered';
    setState(allGood ? 'verified' : 'refused');
  } catch (error) {
    // A torrent that is not the signed one is a refusal; anything else is a failed download.
    if (error instanceof ChannelError) listRefusal(error, 'torrent');
    progressText.replaceChildren('Download failed: ', peerText((error as Error).message));
    downloadButton.disabled = false;
    setState('error');
  }
}

/** What the page shows: the newest release it has judged, and whether the user has taken it. */
interface Shown {
  envelope: SignedEnvelope<'release'>;
  refused: boolean;
}

/**
 * Fetches the rotations and the newest release, judges them in the page, and shows the release
 * if it is newer than the one on screen. A release the user is downloading or has verified stays
 * on screen; the newer one is announced instead, for a reload.
 */
function releaseView(channel: string, info: ChannelInfo) {
  const trust = new PageTrust(channel);
  let shown: Shown | undefined;
  // Every refresh fetches the same envelopes again: each refusal is listed once, keyed by its
  // signature (or, for text that does not decode, by the text).
  const listed = new Set<string>();
  const refuse = (key: string, refusal: Refusal, what?: string) => {
    if (listed.has(key)) return;
    listed.add(key);
    listRefusal(refusal, what);
  };

  downloadButton.addEventListener('click', () => {
    if (shown && !shown.refused) void download(channel, info, shown.envelope);
  });

  const show = (envelope: SignedEnvelope<'release'>, refusal: Refusal | undefined) => {
    shown = { envelope, refused: refusal !== undefined };
    document.querySelector<HTMLElement>('#nothing')!.hidden = true;
    document.querySelector<HTMLElement>('#release-refused')!.hidden = true;
    progressBar.hidden = true;
    progressText.textContent = '';
    showRelease(envelope, refusal);
    if (refusal) {
      listRefusal(refusal, 'release');
      explainRefusal(envelope, refusal);
      downloadButton.hidden = true;
      return setState('refused');
    }
    downloadButton.hidden = false;
    downloadButton.disabled = false;
    setState('ready');
  };

  const announce = (envelope: SignedEnvelope<'release'>) => {
    const box = document.querySelector<HTMLElement>('#newer')!;
    box.replaceChildren(
      h('strong', {}, 'Version ', peerText(envelope.body.version), ' is out'),
      ` (seq ${envelope.seq}, signature checked). `,
      h('a', { href: location.pathname }, 'Reload to get it'),
    );
    box.dataset.version = envelope.body.version;
    box.hidden = false;
  };

  return async function refresh(): Promise<void> {
    const rotations: SignedEnvelope[] = [];
    for (const text of await fetchEnvelopeTexts(channel, 'rotations')) {
      const decoded = decodeText(text);
      if (isRefusal(decoded)) refuse(text, decoded);
      else rotations.push(decoded);
    }
    // In seq order, whatever order the seeder sent: rollback is judged against what came before.
    for (const verdict of trust.offerInOrder(rotations)) {
      if (verdict.status === 'refused') refuse(verdict.envelope.sig, verdict.refusal);
    }
    const text = await fetchReleaseText(channel);
    if (text === undefined) {
      if (!shown) {
        document.querySelector<HTMLElement>('#nothing')!.hidden = false;
        setState('ready');
      }
      return;
    }
    const decoded = decodeText(text);
    if (isRefusal(decoded) || decoded.kind !== 'release') {
      const refusal: Refusal = isRefusal(decoded)
        ? decoded
        : { reason: 'malformed', message: `the release endpoint sent a ${decoded.kind} envelope` };
      refuse(text, refusal, 'release');
      if (!shown) {
        showProblem(`The seeder's newest release does not verify: ${refusal.message}`);
        setState('refused');
      }
      return;
    }
    if (shown && decoded.seq <= shown.envelope.seq) return;
    const verdict = trust.offer(decoded);
    const refusal = verdict.status === 'refused' ? verdict.refusal : undefined;
    const state = document.body.dataset.state;
    if (shown && !refusal && (state === 'downloading' || state === 'verified')) {
      announce(decoded);
      return;
    }
    show(decoded, refusal);
  };
}

/** Runs `refresh` on every release or rotation the seeder announces, and on every (re)connect. */
function watchChannel(channel: string, refresh: () => Promise<void>): void {
  // One refresh at a time, and one more after it if anything arrived meanwhile.
  let running: Promise<void> | undefined;
  let again = false;
  const kick = () => {
    if (running) {
      again = true;
      return;
    }
    running = refresh()
      .catch((error: unknown) => showProblem(`Could not refresh: ${(error as Error).message}`))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  };
  followChannel(channel, {
    onEnvelope: (text) => {
      const decoded = decodeText(text);
      if (!isRefusal(decoded) && decoded.kind !== 'news') kick();
    },
    onOpen: kick,
  });
}

async function main(): Promise<void> {
  setState('loading');
  const channel = channelIdFromPath(location.pathname);
  if (!channel) {
    setState('error');
    return showProblem('This address names no channel: /updates/<64 hex digits>.');
  }
  document.querySelector('#channel-id')!.textContent = channel;
  try {
    const info = await fetchChannelInfo(channel);
    // The name is the seeder's word, so it is shown like peer text.
    document.querySelector('#channel-name')!.replaceChildren(peerText(info.name));
    document.title = `Updates · ${markHiddenChars(info.name)}`;
    const refresh = releaseView(channel, info);
    await refresh();
    watchChannel(channel, refresh);
  } catch (error) {
    showProblem((error as Error).message);
    setState('error');
  }
}

void main();
