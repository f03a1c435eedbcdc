/**
 * Which ffmpeg a real broadcast runs: the machine's maintained one (CI installs Debian's), and
 * the npm-shipped build as the fallback when PATH has none, which must still broadcast.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startBroadcast, type CliProcess } from '../helpers/cli-process.js';
import { eventually } from '../helpers/http.js';
import { originStats } from '../helpers/swarm.js';

describe('the ffmpeg a broadcast runs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'swarmcast-ffmpeg-'));
  let cli: CliProcess | undefined;
  afterEach(async () => {
    await cli?.stop();
    cli = undefined;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function firstSegment(url: string): Promise<void> {
    await eventually(
      async () => ((await originStats(url)).segmentsPublished > 0 ? true : undefined),
      20_000,
      'the first segment',
    );
  }

  it('is the maintained ffmpeg on PATH (5 or newer), named with its version, without a warning', async () => {
    let url: string;
    ({ cli, url } = await startBroadcast([], dataDir));
    const [, version, where] = await cli.waitFor(/ffmpeg (\S+) at \S+ \(([^)]+)\)/);
    expect(where).toBe('on PATH');
    expect(Number(/^n?(\d+)\./.exec(version!)?.[1])).toBeGreaterThanOrEqual(5);
    await firstSegment(url);
    expect(cli.stderr()).not.toMatch(/not a maintained release/);
  });

  it('falls back to the shipped build when PATH has none, warns in one line, and still broadcasts', async () => {
    let url: string;
    // An empty folder as PATH: no ffmpeg (nor anything else) on it.
    const emptyPath = join(dataDir, 'empty-path');
    mkdirSync(emptyPath, { recursive: true });
    ({ cli, url } = await startBroadcast([], dataDir, { PATH: emptyPath }));
    await cli.waitFor(/ffmpeg N-\S+ at \S+ \(shipped with the npm install\)/);
    await firstSegment(url);
    const warnings = cli
      .stderr()
      .split('\n')
      .filter((line) => /not a maintained release/.test(line));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/apt install ffmpeg/);
  });
});
