/**
 * Release files uploaded to the seeder, stored by SHA-256: a file is kept only if its bytes hash
 * to the name it was uploaded under, and an upload that runs past its limit is cut off.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { ChannelError } from '../../swarm/channel/channel-error.js';

const SHA256 = /^[0-9a-f]{64}$/;

export class UploadStore {
  constructor(private readonly dir: string) {}

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new ChannelError('malformed', 'not a SHA-256 in hex');
    return join(this.dir, sha256);
  }

  async has(sha256: string, length?: number): Promise<boolean> {
    try {
      const info = await stat(this.pathOf(sha256));
      return length === undefined || info.size === length;
    } catch {
      return false;
    }
  }

  /** Stores `body` if it hashes to `sha256` and is at most `maxBytes`; returns its length. */
  async put(sha256: string, body: Readable, maxBytes: number): Promise<number> {
    const target = this.pathOf(sha256);
    await mkdir(this.dir, { recursive: true });
    const temp = `${target}.${process.pid}.${Date.now()}.part`;
    const hash = createHash('sha256');
    let length = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        length += chunk.length;
        if (length > maxBytes) {
          done(new ChannelError('too-long', `upload exceeds the limit of ${maxBytes} bytes`));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(temp, { mode: 0o600 }));
      const actual = hash.digest('hex');
      if (actual !== sha256)
        throw new ChannelError('hash-mismatch', `the upload hashes to ${actual}, not ${sha256}`);
      await rename(temp, target);
      return length;
    } finally {
      await rm(temp, { force: true });
    }
  }
}
