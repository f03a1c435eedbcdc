/**
 * The stream's ed25519 key: created on first run in the data dir (mode 0600), or read from a file
 * given with --key. The public half is what peers check every announcement against.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { RuntimeError, UsageError } from '../errors.js';
import { ed25519PublicKey, ed25519SecretKey } from '../swarm/crypto.js';
import { bytesToHex, hexToBytes } from '../swarm/hex.js';

export interface KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

interface KeyFile {
  type: 'ed25519';
  secretKey: string;
  publicKey: string;
}

export function generateKeyPair(): KeyPair {
  const secretKey = ed25519SecretKey();
  return { secretKey, publicKey: ed25519PublicKey(secretKey) };
}

export function writeKeyFile(path: string, key: KeyPair, overwrite = false): void {
  if (!overwrite && existsSync(path))
    throw new UsageError(`${path} already exists; refusing to overwrite a key`);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const body: KeyFile = {
    type: 'ed25519',
    secretKey: bytesToHex(key.secretKey),
    publicKey: bytesToHex(key.publicKey),
  };
  writeFileSync(path, `${JSON.stringify(body, null, 2)}\n`, {
    mode: 0o600,
    flag: overwrite ? 'w' : 'wx',
  });
  chmodSync(path, 0o600);
}

export function readKeyFile(path: string): KeyPair {
  let parsed: Partial<KeyFile>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<KeyFile>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`key file ${path} does not exist`);
    throw new UsageError(`key file ${path} is not a swarmcast key (${(error as Error).message})`);
  }
  const secretKey =
    parsed.type === 'ed25519' && typeof parsed.secretKey === 'string'
      ? hexToBytes(parsed.secretKey)
      : undefined;
  if (!secretKey || secretKey.length !== 32)
    throw new UsageError(`key file ${path} is not a swarmcast ed25519 key`);
  const publicKey = ed25519PublicKey(secretKey);
  if (parsed.publicKey && parsed.publicKey !== bytesToHex(publicKey)) {
    throw new UsageError(`key file ${path}: public key does not match the secret key`);
  }
  return { secretKey, publicKey };
}

/** The key in `explicitPath`, or the data dir's own (created on first use). */
export function loadStreamKey(dataDir: string, stream: string, explicitPath?: string): KeyPair {
  if (explicitPath) return readKeyFile(explicitPath);
  const path = `${dataDir}/keys/stream-${stream}.json`;
  if (existsSync(path)) return readKeyFile(path);
  const key = generateKeyPair();
  try {
    writeKeyFile(path, key);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new RuntimeError(`cannot write the stream key to ${path}: ${(error as Error).message}`);
  }
  return key;
}
