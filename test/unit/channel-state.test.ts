/**
 * The subscriber's trust state on disk: it survives restarts, is replaced atomically, and a file
 * that cannot be read stops the subscriber instead of quietly trusting old releases again.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SignedEnvelope } from '../../src/contracts/channel.js';
import { generateKeyPair } from '../../src/seeder/stream-key.js';
import { ChannelError } from '../../src/swarm/channel/channel-error.js';
import { createChannelStateStore } from '../../src/swarm/channel/channel-state.js';
import { signEnvelope } from '../../src/swarm/channel/envelope.js';
import { initialTrust } from '../../src/swarm/channel/trust-record.js';
import { bytesToHex } from '../../src/swarm/hex.js';
import { reasonOfAsync as reasonOf } from '../helpers/channel-error.js';

const T0 = Date.UTC(2030, 0, 1);
const owner = generateKeyPair();
const channel = bytesToHex(owner.publicKey);

function news(seq: number): SignedEnvelope {
  return signEnvelope(
    {
      channel,
      name: 'news',
      seq,
      issued: T0,
      expires: T0 + 86_400_000,
      kind: 'news',
      body: { text: `item ${seq}` },
    },
    owner.secretKey,
  );
}

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'swarmcast-channel-state-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('channel state store', () => {
  it('starts a channel it never saw at seq 0 under the channel key', async () => {
    expect(await createChannelStateStore(dataDir).load(channel)).toEqual(initialTrust(channel));
  });

  it('keeps the highest accepted seq across restarts, so a replay is refused later', async () => {
    const first = createChannelStateStore(dataDir);
    expect((await first.accept(news(1), T0)).status).toBe('accepted');
    expect((await first.accept(news(2), T0)).status).toBe('accepted');
    const restarted = createChannelStateStore(dataDir);
    expect((await restarted.load(channel)).heads.news?.seq).toBe(2);
    expect(await reasonOf(() => restarted.accept(news(1), T0))).toBe('rollback');
    expect((await restarted.accept(news(2), T0)).status).toBe('duplicate');
  });

  it('writes atomically: one 0600 file per channel and no temp file left', async () => {
    const store = createChannelStateStore(dataDir);
    await store.accept(news(1), T0);
    const dir = join(dataDir, 'channels');
    expect(readdirSync(dir)).toEqual([`${channel}.json`]);
    expect(statSync(store.pathOf(channel)).mode & 0o777).toBe(0o600);
  });

  it('serialises concurrent accepts of one channel', async () => {
    const store = createChannelStateStore(dataDir);
    const results = await Promise.allSettled(
      [1, 2, 3, 4, 5].map((seq) => store.accept(news(seq), T0)),
    );
    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
    expect((await store.load(channel)).heads.news?.seq).toBe(5);
  });

  it('refuses a corrupt, truncated or foreign state file instead of starting over', async () => {
    const store = createChannelStateStore(dataDir);
    await store.accept(news(3), T0);
    const path = store.pathOf(channel);
    const other = bytesToHex(generateKeyPair().publicKey);
    for (const content of [
      '{"v":1,"channel":',
      '',
      'null',
      JSON.stringify({ ...initialTrust(channel), highestSeq: -1 }),
      JSON.stringify(initialTrust(other)),
    ]) {
      writeFileSync(path, content);
      let caught: unknown;
      try {
        await store.load(channel);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ChannelError);
      expect((caught as ChannelError).reason).toBe('corrupt-state');
      expect((caught as ChannelError).message).toContain(path);
      expect(await reasonOf(() => store.accept(news(1), T0))).toBe('corrupt-state');
    }
  });

  it('refuses channel ids that are not keys, since they become file names', async () => {
    const store = createChannelStateStore(dataDir);
    expect(await reasonOf(() => store.load('../../etc/passwd'))).toBe('malformed');
  });
});
