/** Renders the player's stats as a definition list, updated in place. */
import type { PlayerStats } from './player-stats.js';

const seconds = (value: number | null): string => (value === null ? '–' : `${value.toFixed(1)} s`);
const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const shortId = (id: string | null): string =>
  id === null ? '–' : id === 'origin' ? 'origin' : `…${id.slice(-6)}`;

export function renderStats(panel: HTMLElement, stats: PlayerStats): void {
  const { swarm } = stats;
  const rows: [string, string][] = [
    ['State', stats.state],
    ['Live latency', seconds(stats.liveLatency)],
    ['Behind wall clock', seconds(stats.wallClockLatency)],
    ['Buffer', seconds(stats.bufferSeconds)],
    ['From peers', stats.bytesLoaded > 0 ? `${Math.round(100 * stats.p2pShare)} %` : '–'],
    ['Received', megabytes(stats.bytesLoaded)],
    ['Uploaded', megabytes(swarm.bytesUploaded)],
    [
      'Peers',
      swarm.joined ? `${swarm.connections} (${swarm.webrtcConnections} WebRTC)` : 'HTTP only',
    ],
    ['Parent', shortId(swarm.parent)],
    ['Depth', swarm.depth === null ? '–' : String(swarm.depth)],
    ['Parent RTT', swarm.rttMs === null ? '–' : `${swarm.rttMs.toFixed(0)} ms`],
    ['Children', `${swarm.children} / ${swarm.maxChildren}`],
    ['Stalls', `${stats.stalls} (${stats.stallSeconds.toFixed(1)} s)`],
  ];
  const cells = cellsOf(panel, rows);
  rows.forEach(([, value], index) => {
    const cell = cells[index]!;
    // Only changed text is written: a page re-laid out twice a second costs a weak phone.
    if (cell.textContent !== value) cell.textContent = value;
  });
}

/** The panel's value cells, made once; the labels never change. */
const valueCells = new WeakMap<HTMLElement, HTMLElement[]>();

function cellsOf(panel: HTMLElement, rows: [string, string][]): HTMLElement[] {
  let cells = valueCells.get(panel);
  if (cells?.length === rows.length) return cells;
  cells = [];
  const fragment = document.createDocumentFragment();
  for (const [label] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    fragment.append(dt, dd);
    cells.push(dd);
  }
  panel.replaceChildren(fragment);
  valueCells.set(panel, cells);
  return cells;
}
