/**
 * The console logger prints every message escaped: `channel subscribe`, `serve` and `relay` log
 * lines quote what peers send (versions, refusal messages), and none of their controls may reach
 * the terminal.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLogger } from '../../src/seeder/logger.js';

const tty = { out: process.stdout.isTTY, err: process.stderr.isTTY };
afterEach(() => {
  vi.restoreAllMocks();
  process.stdout.isTTY = tty.out;
  process.stderr.isTTY = tty.err;
});

describe('consoleLogger', () => {
  it('prints info, warnings and debug lines with controls and bidi characters as tokens', () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // Not a terminal: plain tokens, no reverse video (as when run from a developer's shell).
    process.stdout.isTTY = false;
    process.stderr.isTTY = false;
    const log = consoleLogger(true);
    log.info('release \u202E1.0 accepted');
    log.warn('refused from gossip: \x1b[2Jbad\nfake line');
    log.debug('DHT: \u009b31m');
    expect(out.mock.calls).toEqual([['release ⟨RLO⟩1.0 accepted']]);
    expect(err.mock.calls).toEqual([
      ['refused from gossip: ⟨ESC⟩[2Jbad⟨LF⟩fake line'],
      ['[debug] DHT: ⟨CSI⟩31m'],
    ]);
  });
});
