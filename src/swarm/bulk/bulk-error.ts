/**
 * The one error of the bulk plane. A RuntimeError, so the CLI prints it as one line; callers
 * branch on `reason` (a `corrupt-source` download is retried elsewhere, a `length-mismatch` means
 * the torrent is not the one the manifest signs and is never retried).
 */
import { RuntimeError } from '../../errors.js';

export type BulkErrorReason =
  /** The release given to `createReleaseTorrent` cannot become a torrent (bad name, path, file). */
  | 'invalid-release'
  /** A file to seed is absent or has another length than the torrent says. */
  | 'missing-file'
  /** The files to seed are there but some piece does not match the torrent's hashes. */
  | 'incomplete'
  /** The torrent's total length, files or info-hash differ from what the caller expects. */
  | 'length-mismatch'
  | 'info-hash-mismatch'
  /** This client already holds that torrent. */
  | 'duplicate'
  /** Every source was banned for sending pieces that failed verification. */
  | 'corrupt-source'
  /** No piece arrived for the stall time-out. */
  | 'stalled'
  /** WebTorrent reported an error, or the client stopped, before the operation finished. */
  | 'torrent-error'
  | 'stopped';

export class BulkError extends RuntimeError {
  override readonly name = 'BulkError';

  constructor(
    readonly reason: BulkErrorReason,
    message: string,
  ) {
    super(message);
  }
}
