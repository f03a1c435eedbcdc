/**
 * The acceptance policy against the TUF threat list: rollback, freeze, wrong key, bad signature,
 * retired key after rotation, clock skew, and the per-kind heads that keep gossip's reordering
 * from losing a release.
 */
import { describe, expect, it } from 'vitest';
import {
  CLOCK_SKEW_MS,
  type ChannelTrustRecord,
  type EnvelopeDraft,
  type SignedEnvelope,
} from '../../src/contracts/channel.js';
import { generateKeyPair, type KeyPair } from '../../src/seeder/stream-key.js';
import { ChannelError } from '../../src/swarm/channel/channel-error.js';
import {
  acceptEnvelope,
  checkFreshness,
  type AcceptOptions,
} from '../../src/swarm/channel/channel-trust.js';
import { signEnvelope } from '../../src/swarm/channel/envelope.js';
import { initialTrust, parseTrustRecord } from '../../src/swarm/channel/trust-record.js';
import { bytesToHex, hexToBytes } from '../../src/swarm/hex.js';

const T0 = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;
const owner = generateKeyPair();
const channel = bytesToHex(owner.publicKey);

function release(seq: number, signer: KeyPair = owner, extra: Partial<EnvelopeDraft> = {}) {
  const draft = {
    channel,
    name: 'my-app',
    seq,
    issued: T0,
    expires: T0 + 30 * DAY,
    kind: 'release',
    body: {
      version: `1.0.${seq}`,
      files: [{ path: 'a.bin', length: 1, sha256: '00'.repeat(32) }],
      infoHash: '11'.repeat(20),
    },
    ...extra,
  } as EnvelopeDraft;
  return signEnvelope(draft, signer.secretKey);
}

function news(seq: number, signer: KeyPair = owner): SignedEnvelope {
  return signEnvelope(
    {
      channel,
      name: 'my-app',
      seq,
      issued: T0,
      expires: T0 + 30 * DAY,
      kind: 'news',
      body: { text: `news ${seq}` },
    },
    signer.secretKey,
  );
}

function rotation(seq: number, from: KeyPair, to: KeyPair): SignedEnvelope {
  return signEnvelope(
    {
      channel,
      name: 'my-app',
      seq,
      issued: T0,
      expires: T0 + DAY,
      kind: 'key-rotation',
      body: { newKey: bytesToHex(to.publicKey) },
    },
    from.secretKey,
  );
}

/** Feeds envelopes in order, each at `now`, returning the last record. */
function feed(envelopes: SignedEnvelope[], now = T0, record = initialTrust(channel)) {
  for (const envelope of envelopes) record = acceptEnvelope(record, envelope, now).record;
  return record;
}

function refusal(
  record: ChannelTrustRecord,
  envelope: SignedEnvelope,
  now = T0,
  options?: AcceptOptions,
): ChannelError {
  try {
    acceptEnvelope(record, envelope, now, options);
  } catch (error) {
    if (error instanceof ChannelError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('acceptEnvelope', () => {
  it('accepts increasing seqs and records the head, pinning the name', () => {
    const record = feed([release(1), release(2)]);
    expect(record).toMatchObject({ name: 'my-app', highestSeq: 2, trustedKey: channel });
    expect(record.heads.release?.seq).toBe(2);
    expect(() => parseTrustRecord(record)).not.toThrow();
  });

  it('never mutates the record it was given', () => {
    const record = initialTrust(channel);
    const copy = structuredClone(record);
    acceptEnvelope(record, release(1), T0);
    expect(record).toEqual(copy);
  });

  it('rollback: refuses an older or equal, validly signed release', () => {
    const record = feed([release(1), release(5)]);
    expect(refusal(record, release(1)).reason).toBe('rollback');
    expect(refusal(record, release(4)).reason).toBe('rollback');
    // Same seq, different bytes: the publisher (or a thief of its key) signed twice.
    const other = release(5, owner, { issued: T0 + 1 });
    expect(refusal(record, other).reason).toBe('rollback');
  });

  it('answers an identical replay of the head as a duplicate, not an error', () => {
    const head = release(3);
    const record = feed([head]);
    const result = acceptEnvelope(record, head, T0 + 1000);
    expect(result.status).toBe('duplicate');
    expect(result.record).toBe(record);
  });

  it('freeze: refuses an expired release with a message a user understands', () => {
    const stale = release(1);
    const error = refusal(initialTrust(channel), stale, T0 + 31 * DAY);
    expect(error.reason).toBe('expired');
    expect(error.message).toBe(
      `the newest release of channel ${channel.slice(0, 8)} expired on 2030-01-31 00:00 UTC; ` +
        'the publisher must re-sign it (or this computer’s clock is wrong)',
    );
  });

  it('freeze: the accepted head replayed after it expired is refused, and so is silence', () => {
    const head = release(1);
    const record = feed([head]);
    const later = T0 + 30 * DAY;
    expect(refusal(record, head, later).reason).toBe('expired');
    expect(refusal(record, head, later).message).toMatch(/channel [0-9a-f]{8} \(my-app\) expired/);
    expect(() => checkFreshness(record, 'release', later - 1)).not.toThrow();
    expect(() => checkFreshness(record, 'release', later)).toThrow(/expired on 2030-01-31/);
    expect(() => checkFreshness(record, 'news', later)).not.toThrow();
  });

  it('refuses an envelope issued beyond the clock-skew allowance', () => {
    const ahead = release(1, owner, { issued: T0 + CLOCK_SKEW_MS + 1 });
    expect(refusal(initialTrust(channel), ahead).reason).toBe('not-yet-valid');
    expect(acceptEnvelope(initialTrust(channel), ahead, T0 + 1).status).toBe('accepted');
    expect(refusal(initialTrust(channel), ahead, T0 + 1, { clockSkewMs: 0 }).reason).toBe(
      'not-yet-valid',
    );
  });

  it('wrong key: refuses an envelope validly signed by a key the channel never trusted', () => {
    const stranger = generateKeyPair();
    const error = refusal(initialTrust(channel), release(1, stranger));
    expect(error.reason).toBe('wrong-key');
    expect(error.message).toContain(bytesToHex(stranger.publicKey).slice(0, 8));
  });

  it('bad signature: refuses a tampered envelope handed over as an object', () => {
    const good = release(1);
    const sig = hexToBytes(good.sig)!;
    sig[0]! ^= 1;
    expect(refusal(initialTrust(channel), { ...good, sig: bytesToHex(sig) }).reason).toBe(
      'bad-signature',
    );
    const body = { ...good.body, version: '6.6.6' } as typeof good.body;
    expect(refusal(initialTrust(channel), { ...good, body } as SignedEnvelope).reason).toBe(
      'bad-signature',
    );
  });

  it('refuses envelopes of another channel, or of another name once one is pinned', () => {
    const otherChannel = initialTrust(bytesToHex(generateKeyPair().publicKey));
    expect(refusal(otherChannel, release(1)).reason).toBe('wrong-channel');
    const record = feed([release(1)]);
    const renamed = release(2, owner, { name: 'my-app-beta' });
    expect(refusal(record, renamed).reason).toBe('wrong-channel');
  });

  it('judges rollback per kind, so a release overtaken by later news is still accepted', () => {
    const record = feed([news(4), release(3), news(6), release(5)]);
    expect(record.heads).toMatchObject({ news: { seq: 6 }, release: { seq: 5 } });
    expect(record.highestSeq).toBe(6);
    expect(refusal(record, news(5)).reason).toBe('rollback');
  });
});

describe('key rotation', () => {
  const second = generateKeyPair();
  const third = generateKeyPair();

  it('follows the new key and retires the old one', () => {
    const record = feed([release(1), rotation(2, owner, second), release(3, second)]);
    expect(record).toMatchObject({
      trustedKey: bytesToHex(second.publicKey),
      trustedSince: 2,
      retiredKeys: [channel],
      heads: { release: { seq: 3 } },
    });
  });

  it('refuses anything the retired key signs afterwards, even with a higher seq', () => {
    const record = feed([release(1), rotation(2, owner, second)]);
    for (const envelope of [release(10, owner), news(11, owner), rotation(12, owner, third)]) {
      expect(refusal(record, envelope).reason).toBe('retired-key');
    }
  });

  it('refuses a new key signing seqs from before its rotation', () => {
    const record = feed([rotation(5, owner, second)]);
    expect(refusal(record, release(4, second)).reason).toBe('rollback');
    expect(acceptEnvelope(record, release(6, second), T0).status).toBe('accepted');
  });

  it('walks a chain of rotations, expired links included, and answers replays calmly', () => {
    const first = rotation(1, owner, second);
    const chain = [first, rotation(2, second, third), release(3, third)];
    const record = feed(chain, T0 + 10 * DAY);
    expect(record.trustedKey).toBe(bytesToHex(third.publicKey));
    expect(record.retiredKeys).toEqual([channel, bytesToHex(second.publicKey)]);
    expect(acceptEnvelope(record, chain[1]!, T0).status).toBe('duplicate');
    expect(refusal(record, first).reason).toBe('retired-key');
  });

  it('refuses a rotation that is not newer than everything accepted, or back to a retired key', () => {
    const record = feed([release(1), news(4)]);
    expect(refusal(record, rotation(3, owner, second)).reason).toBe('rollback');
    const rotated = feed([rotation(5, owner, second)], T0, record);
    expect(refusal(rotated, rotation(6, second, owner)).reason).toBe('retired-key');
  });

  it('refuses a rotation signed by a stranger', () => {
    const stranger = generateKeyPair();
    expect(refusal(initialTrust(channel), rotation(1, stranger, second)).reason).toBe('wrong-key');
  });
});

describe('parseTrustRecord', () => {
  const good = feed([release(1), rotation(2, owner, generateKeyPair())]);

  it('reads back what acceptEnvelope produced', () => {
    expect(parseTrustRecord(JSON.parse(JSON.stringify(good)))).toEqual(good);
  });

  it('refuses inconsistent or unknown content as corrupt-state', () => {
    const broken: Record<string, unknown>[] = [
      { ...good, extra: 1 },
      { ...good, highestSeq: 1 },
      { ...good, retiredKeys: [] },
      { ...good, trustedKey: channel },
      { ...good, heads: { release: { seq: 9, digest: '00'.repeat(32), expires: 0 } } },
      { ...good, heads: { other: { seq: 1, digest: '00'.repeat(32), expires: 0 } } },
      { ...good, v: 2 },
      { ...good, name: 'Bad Name' },
    ];
    for (const value of broken) {
      let reason = 'none';
      try {
        parseTrustRecord(value);
      } catch (error) {
        reason = (error as ChannelError).reason;
      }
      expect(reason, JSON.stringify(value)).toBe('corrupt-state');
    }
  });
});
