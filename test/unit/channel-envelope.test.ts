/**
 * Envelopes: what is signed is what is decoded, one flipped byte anywhere is refused, the schema
 * is strict (unknown fields, unsafe paths, oversized bodies), and bytes from strangers fail only
 * with ChannelError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_ENVELOPE_BYTES,
  MAX_NEWS_TEXT_LENGTH,
  MAX_RELEASE_FILES,
  type EnvelopeDraft,
  type ReleaseManifest,
  type SignedEnvelope,
  type UnsignedEnvelope,
} from '../../src/contracts/channel.js';
import { generateKeyPair } from '../../src/seeder/stream-key.js';
import { canonicalEncode } from '../../src/swarm/channel/canonical.js';
import { ChannelError } from '../../src/swarm/channel/channel-error.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  ENVELOPE_DOMAIN,
  signEnvelope,
  signingBytes,
  verifyEnvelope,
} from '../../src/swarm/channel/envelope.js';
import { ed25519Sign, ed25519Verify } from '../../src/swarm/crypto.js';
import { bytesToHex, hexToBytes } from '../../src/swarm/hex.js';
import { reasonOf } from '../helpers/channel-error.js';

const key = generateKeyPair();
const channel = bytesToHex(key.publicKey);
const T0 = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;

const manifest: ReleaseManifest = {
  version: '1.2.3',
  files: [
    { path: 'app/bin/tool', length: 10, sha256: 'ab'.repeat(32) },
    { path: 'README.md', length: 0, sha256: 'cd'.repeat(32) },
  ],
  infoHash: '12'.repeat(20),
  notes: 'first release',
};

function releaseDraft(overrides: Partial<ReleaseManifest> = {}): EnvelopeDraft<'release'> {
  return {
    channel,
    name: 'my-app',
    seq: 1,
    issued: T0,
    expires: T0 + 30 * DAY,
    kind: 'release',
    body: { ...manifest, ...overrides },
  };
}

/** Re-encodes a tampered copy of a valid envelope as canonical text, so only the tamper is wrong. */
function tampered(
  envelope: SignedEnvelope,
  change: (raw: Record<string, unknown>) => void,
): string {
  const raw = JSON.parse(JSON.stringify(envelope)) as Record<string, unknown>;
  change(raw);
  return canonicalEncode(raw);
}

describe('signEnvelope and decodeEnvelope', () => {
  it('round-trips every kind, with the signer taken from the key', () => {
    const next = generateKeyPair();
    const drafts: EnvelopeDraft[] = [
      releaseDraft(),
      { ...releaseDraft(), kind: 'news', body: { text: 'hello', link: 'https://example.org/x' } },
      { ...releaseDraft(), kind: 'key-rotation', body: { newKey: bytesToHex(next.publicKey) } },
    ];
    for (const draft of drafts) {
      const signed = signEnvelope(draft, key.secretKey);
      expect(signed).toMatchObject({ ...draft, v: 1, signer: channel });
      expect(decodeEnvelope(encodeEnvelope(signed))).toEqual(signed);
      expect(decodeEnvelope(new TextDecoder().decode(encodeEnvelope(signed)))).toEqual(signed);
    }
  });

  it('signs the domain prefix followed by the canonical envelope without sig', () => {
    const signed = signEnvelope(releaseDraft(), key.secretKey);
    const { sig, ...unsigned } = signed;
    const expected = new TextEncoder().encode(ENVELOPE_DOMAIN + canonicalEncode(unsigned));
    expect(signingBytes(unsigned)).toEqual(expected);
    expect(ed25519Verify(hexToBytes(sig)!, expected, key.publicKey)).toBe(true);
    // The same signature over the bare encoding (no domain) does not verify.
    const bare = new TextEncoder().encode(canonicalEncode(unsigned));
    expect(ed25519Verify(hexToBytes(sig)!, bare, key.publicKey)).toBe(false);
  });

  it('refuses to sign what a subscriber would refuse', () => {
    expect(reasonOf(() => signEnvelope(releaseDraft({ version: '../x' }), key.secretKey))).toBe(
      'malformed',
    );
    const huge = releaseDraft({ notes: undefined });
    huge.body.files = Array.from({ length: MAX_RELEASE_FILES }, (_, i) => ({
      path: `${'d'.repeat(200)}/${i}`,
      length: 1,
      sha256: '00'.repeat(32),
    }));
    expect(reasonOf(() => signEnvelope(huge, key.secretKey))).toBe('too-large');
  });
});

describe('bad signatures', () => {
  const signed = signEnvelope(releaseDraft(), key.secretKey);

  it('refuses an envelope whose signature has any one byte flipped', () => {
    const sig = hexToBytes(signed.sig)!;
    for (let i = 0; i < sig.length; i++) {
      const flipped = sig.slice();
      flipped[i]! ^= 1 << (i % 8);
      const text = tampered(signed, (raw) => (raw.sig = bytesToHex(flipped)));
      expect(reasonOf(() => decodeEnvelope(text))).toBe('bad-signature');
    }
  });

  it('refuses an envelope whose signed content changed by one byte', () => {
    const changes: ((raw: Record<string, unknown>) => void)[] = [
      (raw) => (raw.seq = 2),
      (raw) => (raw.expires = (raw.expires as number) + 1),
      (raw) => (raw.name = 'my-apq'),
      (raw) => ((raw.body as ReleaseManifest).files[0]!.length = 11),
      (raw) => ((raw.body as ReleaseManifest).files[0]!.sha256 = `ac${'ab'.repeat(31)}`),
      (raw) => ((raw.body as ReleaseManifest).notes = 'first releasf'),
    ];
    for (const change of changes) {
      expect(reasonOf(() => decodeEnvelope(tampered(signed, change)))).toBe('bad-signature');
    }
  });

  it('refuses an envelope signed by another key than the signer it names', () => {
    const other = generateKeyPair();
    const forged = signEnvelope(releaseDraft(), other.secretKey);
    expect(reasonOf(() => decodeEnvelope(tampered(forged, (raw) => (raw.signer = channel))))).toBe(
      'bad-signature',
    );
    expect(reasonOf(() => verifyEnvelope({ ...forged, signer: channel }))).toBe('bad-signature');
  });

  it('refuses every single-byte change of the wire form, as malformed or bad signature', () => {
    const bytes = encodeEnvelope(signed);
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const copy = bytes.slice();
        copy[at]! ^= xor;
        expect(['malformed', 'bad-signature']).toContain(reasonOf(() => decodeEnvelope(copy)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('strict schema', () => {
  const signed = signEnvelope(releaseDraft(), key.secretKey);

  function refusal(change: (raw: Record<string, unknown>) => void): string {
    try {
      decodeEnvelope(tampered(signed, change));
    } catch (error) {
      if (error instanceof ChannelError && error.reason === 'malformed') return error.message;
      throw error;
    }
    throw new Error('accepted');
  }

  const body = (raw: Record<string, unknown>) => raw.body as Record<string, unknown>;
  const file0 = (raw: Record<string, unknown>) =>
    (body(raw).files as Record<string, unknown>[])[0]!;

  it('refuses unknown fields at every level, naming them', () => {
    expect(refusal((raw) => (raw.extra = 1))).toBe('extra: unknown field');
    expect(refusal((raw) => (body(raw).extra = 1))).toBe('body.extra: unknown field');
    expect(refusal((raw) => (file0(raw).mode = 493))).toBe('body.files[0].mode: unknown field');
  });

  it('refuses missing and mistyped fields, naming them', () => {
    expect(refusal((raw) => delete raw.expires)).toBe('expires: missing');
    expect(refusal((raw) => delete body(raw).infoHash)).toBe('body.infoHash: missing');
    expect(refusal((raw) => (raw.v = 2))).toMatch(/^v: /);
    expect(refusal((raw) => (raw.seq = 0))).toMatch(/^seq: /);
    expect(refusal((raw) => (raw.seq = '1'))).toMatch(/^seq: /);
    expect(refusal((raw) => (raw.kind = 'Release'))).toMatch(/^kind: /);
    expect(refusal((raw) => (raw.name = 'My App'))).toMatch(/^name: /);
    expect(refusal((raw) => (raw.name = 'a'.repeat(65)))).toMatch(/^name: /);
    expect(refusal((raw) => (raw.expires = raw.issued))).toMatch(/^expires: /);
    expect(refusal((raw) => (raw.channel = channel.toUpperCase()))).toMatch(/^channel: /);
    expect(refusal((raw) => (raw.sig = (raw.sig as string).slice(2)))).toMatch(/^sig: /);
    expect(refusal((raw) => (body(raw).infoHash = 'ab'.repeat(32)))).toMatch(/^body.infoHash: /);
    expect(refusal((raw) => (file0(raw).length = -1))).toMatch(/^body.files\[0\].length: /);
    expect(refusal((raw) => (raw.body = []))).toMatch(/^body: /);
    expect(refusal((raw) => (raw.body = { text: 'a' }))).toMatch(/^body.text: unknown field/);
  });

  it('refuses file paths that could leave the install directory or clash', () => {
    const unsafe = [
      '../etc/passwd',
      'a/../../b',
      '/etc/passwd',
      'a\\b',
      'C:evil',
      'a//b',
      './a',
      'a/',
      '',
      'nul\u0000byte',
      'x'.repeat(256),
    ];
    for (const path of unsafe) {
      expect(
        refusal((raw) => (file0(raw).path = path)),
        path,
      ).toMatch(/^body.files\[0\].path: /);
    }
    expect(refusal((raw) => (file0(raw).path = 'readme.md'))).toMatch(/listed twice/);
    expect(refusal((raw) => (file0(raw).path = 'README.md/x'))).toMatch(/file and a directory/);
  });

  it('carries a tree: executable files and sorted empty folders, each in one spelling', () => {
    const tree = signEnvelope(
      releaseDraft({
        files: [
          { path: 'app/bin/tool', length: 10, sha256: 'ab'.repeat(32), executable: true },
          { path: 'README.md', length: 0, sha256: 'cd'.repeat(32) },
        ],
        emptyDirs: ['app/logs', 'cache'],
      }),
      key.secretKey,
    );
    const decoded = decodeEnvelope(encodeEnvelope(tree)) as SignedEnvelope<'release'>;
    expect(decoded.body.files[0]!.executable).toBe(true);
    expect(decoded.body.files[1]).not.toHaveProperty('executable');
    expect(decoded.body.emptyDirs).toEqual(['app/logs', 'cache']);

    const treeRefusal = (change: (body: Record<string, unknown>) => void) =>
      refusal((raw) => change(raw.body as Record<string, unknown>));
    expect(treeRefusal((body) => (body.emptyDirs = ['b', 'a']))).toMatch(/must be sorted/);
    expect(treeRefusal((body) => (body.emptyDirs = ['a', 'a']))).toMatch(/must be sorted/);
    expect(treeRefusal((body) => (body.emptyDirs = []))).toMatch(/^body.emptyDirs: /);
    expect(treeRefusal((body) => (body.emptyDirs = ['../up']))).toMatch(/^body.emptyDirs\[0\]: /);
    expect(treeRefusal((body) => (body.emptyDirs = ['/abs']))).toMatch(/must be relative/);
    expect(treeRefusal((body) => (body.emptyDirs = ['readme.md']))).toMatch(/listed twice/);
    expect(treeRefusal((body) => (body.emptyDirs = ['app']))).toMatch(/holds entries/);
    expect(treeRefusal((body) => (body.emptyDirs = ['x', 'x/y']))).toMatch(/holds entries/);
    const exec = (value: unknown) => (raw: Record<string, unknown>) =>
      (file0(raw).executable = value);
    expect(refusal(exec(false))).toBe('body.files[0].executable: must be true, or absent');
    expect(refusal(exec(1))).toBe('body.files[0].executable: must be true, or absent');
  });

  it('refuses file names with bidi controls or invisible characters, even when validly signed', () => {
    // A publisher that does not use our CLI signs whatever it likes: the schema is what refuses.
    const signedWithPath = (path: string) => {
      const unsigned = {
        ...releaseDraft(),
        v: 1,
        signer: channel,
        body: { ...manifest, files: [{ path, length: 1, sha256: 'ab'.repeat(32) }] },
      } as UnsignedEnvelope;
      const sig = bytesToHex(ed25519Sign(signingBytes(unsigned), key.secretKey));
      return canonicalEncode({ ...unsigned, sig });
    };
    const message = (path: string) => {
      try {
        decodeEnvelope(signedWithPath(path));
      } catch (error) {
        if (error instanceof ChannelError && error.reason === 'malformed') return error.message;
        throw error;
      }
      return 'accepted';
    };
    expect(message('\u202Egnp.exe')).toBe(
      'body.files[0].path: holds U+202E RIGHT-TO-LEFT OVERRIDE: a bidi control, which reorders how the name reads',
    );
    expect(message('bin/a\u2066b')).toMatch(/LEFT-TO-RIGHT ISOLATE: a bidi control/);
    expect(message('ad\u200Bmin.txt')).toMatch(/ZERO WIDTH SPACE: an invisible format character/);
    expect(message('x\u009b.txt')).toMatch(/U\+009B control CSI: a control character/);
    expect(message('a\u2029b')).toMatch(/PARAGRAPH SEPARATOR: a line or paragraph separator/);
    // Shaping joiners are part of the name as it is drawn, and accepted.
    expect(message('می\u200Cخواهم.txt')).toBe('accepted');
    expect(message('👩\u200D💻.png')).toBe('accepted');
  });

  it('refuses versions that are not plain directory names', () => {
    for (const version of ['', '.hidden', '..', 'a/b', 'current', 'v 1', 'x'.repeat(65)]) {
      expect(
        refusal((raw) => (body(raw).version = version)),
        version,
      ).toMatch(/^body.version: /);
    }
  });

  it('limits file count, news text and links', () => {
    const news = signEnvelope(
      { ...releaseDraft(), kind: 'news', body: { text: 'x' } },
      key.secretKey,
    );
    const newsRefusal = (change: (raw: Record<string, unknown>) => void) => {
      try {
        decodeEnvelope(tampered(news, change));
      } catch (error) {
        return (error as ChannelError).message;
      }
      return 'accepted';
    };
    expect(newsRefusal((raw) => (body(raw).text = 'x'.repeat(MAX_NEWS_TEXT_LENGTH + 1)))).toMatch(
      /^body.text: /,
    );
    expect(newsRefusal((raw) => (body(raw).text = ''))).toMatch(/^body.text: /);
    expect(newsRefusal((raw) => (body(raw).link = 'javascript:alert(1)'))).toMatch(/^body.link: /);
    expect(newsRefusal((raw) => (body(raw).link = 'example.org'))).toMatch(/^body.link: /);
    // So many files no longer fit in an envelope: the signer is what refuses them.
    const many = releaseDraft();
    many.body.files = Array.from({ length: MAX_RELEASE_FILES + 1 }, (_, i) => ({
      path: `f${i}`,
      length: 0,
      sha256: '00'.repeat(32),
    }));
    expect(() => signEnvelope(many, key.secretKey)).toThrow(/^body.files: /);
    expect(refusal((raw) => (body(raw).files = []))).toMatch(/^body.files: /);
  });

  it('refuses a rotation to the signing key itself', () => {
    expect(
      reasonOf(() =>
        signEnvelope(
          { ...releaseDraft(), kind: 'key-rotation', body: { newKey: channel } },
          key.secretKey,
        ),
      ),
    ).toBe('malformed');
  });
});

describe('size limits', () => {
  it(`refuses input over ${MAX_ENVELOPE_BYTES} bytes before parsing it`, () => {
    const big = new Uint8Array(MAX_ENVELOPE_BYTES + 1).fill(0x20);
    expect(reasonOf(() => decodeEnvelope(big))).toBe('too-large');
    expect(reasonOf(() => decodeEnvelope(' '.repeat(MAX_ENVELOPE_BYTES + 1)))).toBe('too-large');
  });

  it('accepts a large envelope under the limit', () => {
    const draft = releaseDraft({ notes: undefined });
    draft.body.files = Array.from({ length: 300 }, (_, i) => ({
      path: `assets/${String(i).padStart(4, '0')}.bin`,
      length: i,
      sha256: bytesToHex(new Uint8Array(32).fill(i & 0xff)),
    }));
    const bytes = encodeEnvelope(signEnvelope(draft, key.secretKey));
    expect(bytes.length).toBeGreaterThan(30_000);
    expect(bytes.length).toBeLessThanOrEqual(MAX_ENVELOPE_BYTES);
    expect(decodeEnvelope(bytes).body).toEqual(draft.body);
  });
});

describe('decoding untrusted input', () => {
  const valid = JSON.parse(
    new TextDecoder().decode(encodeEnvelope(signEnvelope(releaseDraft(), key.secretKey))),
  ) as unknown;

  function encodedOrEmpty(value: unknown): string {
    try {
      return canonicalEncode(value);
    } catch {
      return '';
    }
  }

  function onlyChannelErrors(input: Uint8Array | string): void {
    try {
      decodeEnvelope(input);
    } catch (error) {
      expect(error).toBeInstanceOf(ChannelError);
    }
  }

  it('throws nothing but ChannelError on random bytes and random JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 512 }), fc.json(), fc.jsonValue().map(encodedOrEmpty)),
        onlyChannelErrors,
      ),
      { numRuns: 2000 },
    );
  });

  it('throws nothing but ChannelError on valid envelopes with random fields replaced', () => {
    const paths = [['seq'], ['kind'], ['body'], ['body', 'files'], ['body', 'version'], ['sig']];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, value) => {
        const copy = structuredClone(valid) as Record<string, Record<string, unknown>>;
        if (path.length === 1) (copy as Record<string, unknown>)[path[0]!] = value;
        else copy[path[0]!]![path[1]!] = value;
        let text: string;
        try {
          text = canonicalEncode(copy);
        } catch {
          return; // -0 and the like: not encodable, so no peer can send it
        }
        onlyChannelErrors(text);
      }),
      { numRuns: 2000 },
    );
  });
});
