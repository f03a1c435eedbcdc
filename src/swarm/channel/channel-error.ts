/**
 * The one error of signed channels. A RuntimeError, so the CLI prints it as one line; callers
 * branch on `reason` (a peer that sent a `bad-signature` envelope is penalised, an `expired` head
 * is shown to the user).
 */
import type { ChannelErrorReason } from '../../contracts/channel.js';
import { RuntimeError } from '../../errors.js';

export class ChannelError extends RuntimeError {
  override readonly name = 'ChannelError';

  constructor(
    readonly reason: ChannelErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** The first 8 hex digits of a channel id or key: enough to tell channels apart in a message. */
export function shortId(hex: string): string {
  return hex.slice(0, 8);
}
