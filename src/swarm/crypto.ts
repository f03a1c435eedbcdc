/**
 * Hashing and signatures, Node implementation (native OpenSSL: about 10x faster than pure JS,
 * which matters on a relay that checks every segment). The browser build swaps in
 * `crypto.browser.ts`, which has the same exports.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

export interface Sha256 {
  update(bytes: Uint8Array): void;
  digest(): Uint8Array;
}

export function createSha256(): Sha256 {
  const hash = createHash('sha256');
  return {
    update: (bytes) => void hash.update(bytes),
    digest: () => new Uint8Array(hash.digest()),
  };
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

// DER wrappers that turn raw 32-byte ed25519 keys into OpenSSL key objects.
const SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const publicKeys = new Map<string, KeyObject>();
const privateKeys = new Map<string, KeyObject>();

function cached(cache: Map<string, KeyObject>, raw: Uint8Array, make: () => KeyObject): KeyObject {
  const id = Buffer.from(raw).toString('base64');
  let key = cache.get(id);
  if (!key) {
    key = make();
    if (cache.size > 64) cache.clear();
    cache.set(id, key);
  }
  return key;
}

const der = (prefix: Uint8Array, raw: Uint8Array) => Buffer.concat([prefix, raw]);

export function ed25519Verify(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const key = cached(publicKeys, publicKey, () =>
      createPublicKey({ key: der(SPKI_PREFIX, publicKey), format: 'der', type: 'spki' }),
    );
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

export function ed25519Sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const key = cached(privateKeys, secretKey, () =>
    createPrivateKey({ key: der(PKCS8_PREFIX, secretKey), format: 'der', type: 'pkcs8' }),
  );
  return new Uint8Array(sign(null, message, key));
}

export function ed25519PublicKey(secretKey: Uint8Array): Uint8Array {
  const key = createPrivateKey({ key: der(PKCS8_PREFIX, secretKey), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
}

export function ed25519SecretKey(): Uint8Array {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  return new Uint8Array(pkcs8.subarray(PKCS8_PREFIX.length));
}

/**
 * The same checks as promises: the browser build answers these from WebCrypto, natively and off
 * the main thread, where the synchronous ones would run in JavaScript. Here OpenSSL is as fast
 * either way.
 */
export function sha256Async(bytes: Uint8Array): Promise<Uint8Array> {
  return Promise.resolve(sha256(bytes));
}

export function ed25519VerifyAsync(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): Promise<boolean> {
  return Promise.resolve(ed25519Verify(signature, message, publicKey));
}
