/**
 * The broadcaster's dashboard: the live tree drawn from `/api/stats` (nodes coloured by depth,
 * shaped by kind), totals, and origin bytes versus peer bytes over time. Polls every 2 s.
 */
import type { ApiStats } from '../contracts/stats.js';
import { layoutTree } from './tree-layout.js';

const SVG = 'http://www.w3.org/2000/svg';
const POLL_MS = 2_000;
const HISTORY = 90;
const DEPTH_COLOURS = ['#f2c14e', '#e8724a', '#4ac0e8', '#7be07b', '#c58cf2', '#f27bb8', '#9aa7b2'];

const treeSvg = document.querySelector<SVGSVGElement>('#tree')!;
const trafficSvg = document.querySelector<SVGSVGElement>('#traffic')!;
const figures = document.querySelector<HTMLElement>('#figures')!;
const history: { origin: number; peers: number }[] = [];
let previous: { at: number; origin: number; peers: number } | undefined;

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

function drawTree(stats: ApiStats): void {
  const width = treeSvg.clientWidth || 1000;
  const rowHeight = Math.max(50, Math.min(90, 380 / Math.max(1, stats.tree.depth + 1)));
  const nodes = layoutTree(
    stats.peers.map((peer) => ({
      id: peer.id,
      parent: peer.parent || 'detached',
      kind: peer.kind,
    })),
    width,
    rowHeight,
  );
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const parts: SVGElement[] = [];
  for (const node of nodes) {
    const parent = byId.get(node.parent);
    if (parent)
      parts.push(
        el('line', {
          x1: parent.x,
          y1: parent.y,
          x2: node.x,
          y2: node.y,
          stroke: '#56636e',
          'stroke-width': 1.5,
        }),
      );
  }
  for (const node of nodes) {
    const fill = DEPTH_COLOURS[Math.min(node.depth, DEPTH_COLOURS.length - 1)]!;
    const shape =
      node.kind === 'browser'
        ? el('circle', { cx: node.x, cy: node.y, r: 9, fill })
        : el('rect', {
            x: node.x - 9,
            y: node.y - 9,
            width: 18,
            height: 18,
            rx: node.kind === 'origin' ? 2 : 0,
            fill,
          });
    shape.setAttribute('data-peer', node.id);
    shape.setAttribute('data-depth', String(node.depth));
    const title = el('title', {});
    title.textContent =
      node.kind === 'origin' ? 'origin' : `${node.kind} …${node.id.slice(-8)} depth ${node.depth}`;
    shape.append(title);
    parts.push(shape);
  }
  treeSvg.setAttribute(
    'viewBox',
    `0 0 ${width} ${Math.max(420, 60 + (stats.tree.depth + 1) * rowHeight)}`,
  );
  treeSvg.replaceChildren(...parts);
}

function drawTraffic(): void {
  const width = trafficSvg.clientWidth || 1000;
  const height = 200;
  const peak = Math.max(1, ...history.flatMap((point) => [point.origin, point.peers]));
  const line = (key: 'origin' | 'peers', colour: string) =>
    el('polyline', {
      fill: 'none',
      stroke: colour,
      'stroke-width': 2,
      points: history
        .map(
          (point, i) =>
            `${(i / Math.max(1, HISTORY - 1)) * width},${height - 10 - (point[key] / peak) * (height - 30)}`,
        )
        .join(' '),
    });
  const label = el('text', { x: 8, y: 16, fill: '#8fa3b0', 'font-size': 12 });
  label.textContent = `peak ${((peak * 8) / 1e6).toFixed(2)} Mb/s`;
  trafficSvg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  trafficSvg.replaceChildren(line('origin', '#e8724a'), line('peers', '#4ac0e8'), label);
}

function drawFigures(stats: ApiStats): void {
  const share = Math.round(100 * stats.p2pShare);
  const rows: [string, string][] = [
    ['Peers in the tree', String(stats.tree.size)],
    ['HTTP viewers', String(stats.viewers)],
    ['Tree depth', String(stats.tree.depth)],
    ['Origin feeds', String(stats.tree.originChildren)],
    ['From peers', `${share} %`],
    ['Segments', String(stats.segmentsPublished)],
  ];
  figures.replaceChildren(
    ...rows.map(([label, value]) => {
      const box = document.createElement('div');
      const number = document.createElement('b');
      number.textContent = value;
      box.append(number, label);
      return box;
    }),
  );
}

async function poll(): Promise<void> {
  try {
    const stats = (await (await fetch('/api/stats', { cache: 'no-store' })).json()) as ApiStats;
    document.querySelector('#stream-name')!.textContent = `· ${stats.stream}`;
    const now = performance.now();
    const origin = stats.originBytes.http + stats.originBytes.swarm;
    const peers = stats.peerBytes;
    if (previous) {
      const seconds = (now - previous.at) / 1000;
      history.push({
        origin: Math.max(0, origin - previous.origin) / seconds,
        peers: Math.max(0, peers - previous.peers) / seconds,
      });
      if (history.length > HISTORY) history.shift();
    }
    previous = { at: now, origin, peers };
    drawFigures(stats);
    drawTree(stats);
    drawTraffic();
  } catch (error) {
    console.warn('dashboard: cannot read /api/stats', error);
  }
}

void poll();
setInterval(() => void poll(), POLL_MS);
