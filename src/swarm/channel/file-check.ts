/**
 * Checks a release file's bytes against its signed manifest entry while they stream in, so a peer
 * that sends more than promised is cut off at the first byte too many (the "endless data" threat)
 * and nothing is kept unless length and SHA-256 both match. Pure: the browser uses it as well.
 */
import type { ReleaseFile } from '../../contracts/channel.js';
import { createSha256 } from '../crypto.js';
import { bytesToHex } from '../hex.js';
import { ChannelError } from './channel-error.js';

/**
 * Passes `chunks` through until more than `maxBytes` have arrived, then throws
 * ChannelError('too-long') without passing on the chunk that overflowed, and stops the source.
 */
export async function* limitLength(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
  what = 'stream',
): AsyncGenerator<Uint8Array, void, undefined> {
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    if (total > maxBytes)
      throw new ChannelError('too-long', `${what}: more than the ${maxBytes} bytes promised`);
    yield chunk;
  }
}

/** Incremental check of one file: feed every chunk, then `finish` throws unless all matched. */
export interface FileVerifier {
  update(chunk: Uint8Array): void;
  readonly bytes: number;
  finish(): void;
}

export function createFileVerifier(file: ReleaseFile): FileVerifier {
  const hash = createSha256();
  let bytes = 0;
  return {
    update(chunk) {
      bytes += chunk.length;
      if (bytes > file.length)
        throw new ChannelError(
          'too-long',
          `${file.path}: more than the ${file.length} bytes signed`,
        );
      hash.update(chunk);
    },
    get bytes() {
      return bytes;
    },
    finish() {
      if (bytes !== file.length) {
        throw new ChannelError(
          'length-mismatch',
          `${file.path}: ${bytes} bytes where the manifest signs ${file.length}`,
        );
      }
      if (bytesToHex(hash.digest()) !== file.sha256)
        throw new ChannelError('hash-mismatch', `${file.path}: SHA-256 differs from the manifest`);
    },
  };
}

/**
 * Passes `chunks` through with `createFileVerifier`'s checks: throws `too-long` at the first byte
 * too many, and `length-mismatch` or `hash-mismatch` after the last chunk. A consumer must not
 * treat what it wrote as the file until the iteration has ended without an error.
 */
export async function* verifyFileChunks(
  chunks: AsyncIterable<Uint8Array>,
  file: ReleaseFile,
): AsyncGenerator<Uint8Array, void, undefined> {
  const verifier = createFileVerifier(file);
  for await (const chunk of chunks) {
    verifier.update(chunk);
    yield chunk;
  }
  verifier.finish();
}
