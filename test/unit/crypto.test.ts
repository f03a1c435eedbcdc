/** One suite, both implementations: Node's native crypto and the browser's pure-JS one must agree. */
import { describe, expect, it } from 'vitest';
import * as browser from '../../src/swarm/crypto.browser.js';
import * as node from '../../src/swarm/crypto.js';

const implementations = { node, browser } as const;
const message = new TextEncoder().encode('segment 42 of stream main');

describe.each(Object.entries(implementations))('%s crypto', (_name, impl) => {
  it('hashes like the other implementation, whole or in pieces', () => {
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) % 256);
    const other = impl === node ? browser : node;
    expect(impl.sha256(bytes)).toEqual(other.sha256(bytes));
    const incremental = impl.createSha256();
    for (let offset = 0; offset < bytes.length; offset += 65_536)
      incremental.update(bytes.subarray(offset, offset + 65_536));
    expect(incremental.digest()).toEqual(other.sha256(bytes));
  });

  it('signs so that both implementations verify, and rejects tampering and other keys', () => {
    const secret = impl.ed25519SecretKey();
    const publicKey = impl.ed25519PublicKey(secret);
    expect(publicKey).toEqual((impl === node ? browser : node).ed25519PublicKey(secret));
    const signature = impl.ed25519Sign(message, secret);
    expect(node.ed25519Verify(signature, message, publicKey)).toBe(true);
    expect(browser.ed25519Verify(signature, message, publicKey)).toBe(true);
    const tampered = message.slice();
    tampered[0]! ^= 1;
    expect(impl.ed25519Verify(signature, tampered, publicKey)).toBe(false);
    expect(
      impl.ed25519Verify(signature, message, impl.ed25519PublicKey(impl.ed25519SecretKey())),
    ).toBe(false);
    expect(impl.ed25519Verify(signature.subarray(1), message, publicKey)).toBe(false);
    expect(impl.ed25519Verify(signature, message, publicKey.subarray(1))).toBe(false);
  });
});
