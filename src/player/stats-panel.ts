/** Renders the player's stats as a definition list. */
import type { PlayerStats } from './player-stats.js';

const seconds = (value: number | null): string => (value === null ? '–' : `${value.toFixed(1)} s`);
const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export function renderStats(panel: HTMLElement, stats: PlayerStats): void {
  const share =
    stats.bytesLoaded > 0
      ? `${Math.round((100 * stats.bytesFrom.peers) / stats.bytesLoaded)} %`
      : '–';
  const rows: [string, string][] = [
    ['State', stats.state],
    ['Live latency', seconds(stats.liveLatency)],
    ['Behind wall clock', seconds(stats.wallClockLatency)],
    ['Buffer', seconds(stats.bufferSeconds)],
    ['Segments', String(stats.fragmentsLoaded)],
    ['Received', megabytes(stats.bytesLoaded)],
    ['From peers', share],
    ['Stalls', `${stats.stalls} (${stats.stallSeconds.toFixed(1)} s)`],
  ];
  panel.replaceChildren(
    ...rows.flatMap(([label, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.textContent = value;
      return [dt, dd];
    }),
  );
}
