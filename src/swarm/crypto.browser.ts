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
