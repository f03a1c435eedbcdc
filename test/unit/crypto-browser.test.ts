/**
 * The browser's crypto module (WebCrypto where the page has it, noble otherwise) must agree with
 * the Node one byte for byte: a page and a relay judge the same segment the same way. Node's own
 * WebCrypto stands in for the browser's here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as browser from '../../src/swarm/crypto.browser.js';
import * as node from '../../src/swarm/crypto.js';

const key = node.ed25519SecretKey();
const publicKey = node.ed25519PublicKey(key);

describe('browser crypto', () => {
  it('hashes like Node, whole or in views of a larger buffer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.nat(16), async (bytes, skip) => {
        const view = bytes.subarray(Math.min(skip, bytes.length));
        expect(Buffer.from(await browser.sha256Async(view))).toEqual(
          Buffer.from(node.sha256(view)),
        );
      }),
      { numRuns: 50 },
    );
  });

  it('verifies what Node signed, and refuses a changed message, signature or key', async () => {
    const message = new TextEncoder().encode('segment 42');
    const signature = node.ed25519Sign(message, key);
    expect(await browser.ed25519VerifyAsync(signature, message, publicKey)).toBe(true);
    const changed = Uint8Array.from(message);
    changed[0]! ^= 1;
    expect(await browser.ed25519VerifyAsync(signature, changed, publicKey)).toBe(false);
    const badSignature = Uint8Array.from(signature);
    badSignature[10]! ^= 1;
    expect(await browser.ed25519VerifyAsync(badSignature, message, publicKey)).toBe(false);
    const otherKey = node.ed25519PublicKey(node.ed25519SecretKey());
    expect(await browser.ed25519VerifyAsync(signature, message, otherKey)).toBe(false);
    // Malformed input is a refusal, never an exception.
    expect(await browser.ed25519VerifyAsync(signature.subarray(1), message, publicKey)).toBe(false);
    expect(await browser.ed25519VerifyAsync(signature, message, new Uint8Array(32))).toBe(false);
    expect(await browser.ed25519VerifyAsync(signature, message, publicKey.subarray(2))).toBe(false);
  });
});
