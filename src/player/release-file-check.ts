/**
 * The last word on a downloaded file, in the page: its length and SHA-256 against the signed
 * manifest. WebTorrent's piece hashes only prove the bytes match the torrent; this proves they
 * are the files the publisher signed.
 */
import { sha256 as pureSha256 } from '@noble/hashes/sha2.js';
import type { ReleaseFile } from '../contracts/channel.js';
import { bytesToHex } from '../swarm/hex.js';
import type { Refusal } from './channel-verify.js';

/** Web Crypto where the page is a secure context (https, localhost); pure JS elsewhere (LAN http). */
async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  if (globalThis.crypto?.subtle) {
    return bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
  }
  return bytesToHex(pureSha256(bytes));
}

/** Undefined when `bytes` is exactly `file`; otherwise the refusal to show. */
export async function checkReleaseFile(
  file: ReleaseFile,
  bytes: Uint8Array<ArrayBuffer>,
): Promise<Refusal | undefined> {
  if (bytes.length !== file.length) {
    return {
      reason: 'length-mismatch',
      message: `${file.path} is ${bytes.length} bytes, the signed manifest says ${file.length}`,
    };
  }
  const actual = await sha256Hex(bytes);
  if (actual !== file.sha256) {
    return {
      reason: 'hash-mismatch',
      message: `${file.path} has SHA-256 ${actual}, the signed manifest says ${file.sha256}`,
    };
  }
  return undefined;
}
