/**
 * Text from other people through the real CLI against a real `serve` seeder on 127.0.0.1:
 * `news follow` prints an item holding a clear-screen sequence and a RIGHT-TO-LEFT OVERRIDE as
 * visible tokens (nothing reaches the terminal that could act on it), and `channel publish`
 * refuses a file whose name holds an override, with one clear line and exit status 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startChannel } from '../helpers/channel-cli.js';
import { runCli, type CliProcess } from '../helpers/cli-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'swarmcast-channel-text-'));
const processes: CliProcess[] = [];

function cli(args: string[]): CliProcess {
  const child = runCli(args);
  processes.push(child);
  return child;
}

async function finished(args: string[]) {
  const child = cli(args);
  const { code } = await child.exited;
  return { code, out: child.stdout(), err: child.stderr() };
}

async function channel(name: string) {
  const served = await startChannel(mkdtempSync(join(scratch, `${name}-`)), name);
  processes.push(served.seeder);
  return served;
}

/** What no peer's text may put on a terminal: C0/C1 controls (ESC, CSI…) and bidi controls. */
const CONTROLS = /[\p{Cc}\p{Bidi_Control}]/u;

afterEach(async () => {
  await Promise.all(processes.splice(0).map((child) => child.stop(3_000)));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('text from peers in the terminal', () => {
  it('news follow prints an item with ESC[2J and an RLO escaped, on its own line', async () => {
    const { id, url, auth } = await channel('text');
    const hostile = 'Alert \x1b[2J\x1b[31mred \u202Egnp.exe and é vs e\u0301\r#9 forged';
    const posted = await finished(['news', 'post', 'text', ...auth, hostile]);
    expect(posted.code, posted.err).toBe(0);
    const follower = cli(['news', 'follow', id, '--seeder', url, '--data-dir', join(scratch, 'f')]);
    await follower.waitFor(/#1 /, 20_000);
    // Then live, through gossip or the event stream: the same printing path for both.
    const live = await finished(['news', 'post', 'text', ...auth, 'second\nline \u2066x\u2069']);
    expect(live.code, live.err).toBe(0);
    await follower.waitFor(/#2 /, 20_000);

    const lines = follower.stdout().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\[[\d-]+ [\d:]+\] #1 Alert ⟨ESC⟩\[2J⟨ESC⟩\[31mred ⟨RLO⟩gnp\.exe and é vs e\u0301⟨CR⟩#9 forged$/,
    );
    expect(lines[1]).toMatch(/#2 second⟨LF⟩line ⟨LRI⟩x⟨PDI⟩$/);
    // Line feeds only between items: nothing else of the controls in the posts got through.
    expect(follower.stdout().replaceAll('\n', '')).not.toMatch(CONTROLS);
  }, 60_000);

  it('channel publish refuses a file whose name holds an RLO, in one line, with exit 2', async () => {
    const { id, url, auth } = await channel('names');
    const dir = mkdtempSync(join(scratch, 'files-'));
    const spoofed = join(dir, 'invoice-\u202Egnp.exe');
    writeFileSync(spoofed, 'not really a picture');
    const refused = await finished([
      'channel',
      'publish',
      'names',
      ...auth,
      '--version',
      '1.0.0',
      '--file',
      spoofed,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.out).toBe('');
    const lines = refused.err.trimEnd().split('\n');
    expect(lines).toEqual([
      `swarmcast: --file ${join(dir, 'invoice-⟨RLO⟩gnp.exe')}: the name "invoice-⟨RLO⟩gnp.exe" holds U+202E RIGHT-TO-LEFT OVERRIDE: a bidi control, which reorders how the name reads`,
    ]);
    expect(refused.err.trimEnd()).not.toMatch(CONTROLS);
    // Nothing was published.
    expect((await fetch(`${url}/api/channels/${id}/release`)).status).toBe(404);
  }, 60_000);
});
