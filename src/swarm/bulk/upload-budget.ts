/**
 * Spending from WebTorrent's upload budget for bytes WebTorrent does not send itself. The origin's
 * web seed answers over HTTP, outside the client; drawing from the same token bucket makes
 * `--upload-limit` cap what the origin sends in all, whichever way a release leaves it.
 */
import type { ThrottleGroup } from 'webtorrent';

const PAUSED_POLL_MS = 1_000;

/** Resolves once `bytes` more may be uploaded (at once when the limit is off). */
export async function takeUploadBudget(group: ThrottleGroup, bytes: number): Promise<void> {
  let left = bytes;
  while (left > 0 && group.getEnabled()) {
    if (group.getRate() === 0) {
      // A zero rate pauses uploads: wait for it to be raised (or the limit switched off).
      await new Promise((resolve) => setTimeout(resolve, PAUSED_POLL_MS));
      continue;
    }
    // The bucket holds one second's worth: take a slice (a tenth of it) at a time, as WebTorrent does.
    const slice = Math.min(left, group.getChunksize());
    if (!group.bucket.tryRemoveTokens(slice)) {
      await new Promise<void>((resolve, reject) =>
        group.bucket.removeTokens(slice, (error) => (error ? reject(error) : resolve())),
      );
    }
    left -= slice;
  }
}
