/** Hashing and signatures, browser implementation (pure JS, synchronous, same exports as crypto.ts). */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

export interface Sha256 {
  update(bytes: Uint8Array): void;
  digest(): Uint8Array;
}

export function createSha256(): Sha256 {
  const hash = nobleSha256.create();
  return {
    update: (bytes) => void hash.update(bytes),
    digest: () => hash.digest(),
  };
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return nobleSha256(bytes);
}

export function ed25519Verify(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  try {
    return ed25519.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

export function ed25519Sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ed25519.sign(message, secretKey);
}

export function ed25519PublicKey(secretKey: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(secretKey);
}

export function ed25519SecretKey(): Uint8Array {
  return ed25519.utils.randomSecretKey();
}

/**
 * WebCrypto, where the page has it: only secure contexts do (https, or a loopback address), so a
 * viewer on a LAN address over plain http falls back to the JavaScript implementations above.
 */
const subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle;

/** SHA-256 of a whole object, natively; the page's main thread only waits for it. */
export async function sha256Async(bytes: Uint8Array): Promise<Uint8Array> {
  if (!subtle) return sha256(bytes);
  return new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** Imported public keys, by their hex: a stream is signed by one key for its whole life. */
const verifyKeys = new Map<string, Promise<CryptoKey>>();
/** Cleared once an import fails as unsupported (browsers before Ed25519 in WebCrypto). */
let nativeEd25519 = subtle !== undefined;

function importVerifyKey(publicKey: Uint8Array): Promise<CryptoKey> {
  const id = Array.from(publicKey, (byte) => byte.toString(16).padStart(2, '0')).join('');
  let key = verifyKeys.get(id);
  if (!key) {
    key = subtle!.importKey(
      'raw',
      publicKey as Uint8Array<ArrayBuffer>,
      { name: 'Ed25519' },
      false,
      ['verify'],
    );
    if (verifyKeys.size >= 16) verifyKeys.clear();
    verifyKeys.set(id, key);
    key.catch(() => verifyKeys.delete(id));
  }
  return key;
}

/** Ed25519 verification through WebCrypto (Chromium 137+, Firefox 129+, Safari 17+), else noble. */
export async function ed25519VerifyAsync(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if (nativeEd25519) {
    let key: CryptoKey;
    try {
      key = await importVerifyKey(publicKey);
    } catch (error) {
      if ((error as DOMException).name !== 'NotSupportedError') return false;
      nativeEd25519 = false;
      return ed25519Verify(signature, message, publicKey);
    }
    try {
      return await subtle!.verify(
        { name: 'Ed25519' },
        key,
        signature as Uint8Array<ArrayBuffer>,
        message as Uint8Array<ArrayBuffer>,
      );
    } catch {
      return false;
    }
  }
  return ed25519Verify(signature, message, publicKey);
}
