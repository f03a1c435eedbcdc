/**
 * A progress line for long work: redrawn in place on a terminal, a line every 10 % otherwise (so
 * logs and tests still see it move).
 */
import type { Writable } from 'node:stream';
import { terminalText } from '../swarm/text/terminal-text.js';

export class Progress {
  private lastStep = -1;
  private lastLabel = '';
  private drawn = false;

  constructor(private readonly out: Writable & { isTTY?: boolean }) {}

  update(label: string, done: number, total: number): void {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    // Labels name files and versions from a manifest: escaped like every line that may quote one.
    const text = `${terminalText(label)}: ${(fraction * 100).toFixed(0).padStart(3)} % (${mib(done)} of ${mib(total)} MiB)`;
    if (this.out.isTTY) {
      const width = 24;
      const filled = Math.round(fraction * width);
      this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
      this.drawn = true;
      return;
    }
    const step = Math.floor(fraction * 10);
    if (label === this.lastLabel && step === this.lastStep) return;
    this.lastLabel = label;
    this.lastStep = step;
    this.out.write(`${text}\n`);
  }

  done(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
