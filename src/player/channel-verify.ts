/**
 * The news and updates pages check every envelope themselves, with the same code a Node subscriber
 * runs: `decodeEnvelope` (size, canonical form, schema, signature) and `acceptEnvelope` (channel,
 * key, rotation, rollback, expiry) against a trust record kept in memory for the page's lifetime.
 * The seeder is only a courier here; a page that trusted it would show whatever it was handed.
 */
import type {
  ChannelErrorReason,
  ChannelTrustRecord,
  SignedEnvelope,
} from '../contracts/channel.js';
import { ChannelError } from '../swarm/channel/channel-error.js';
import { acceptEnvelope } from '../swarm/channel/channel-trust.js';
import { decodeEnvelope } from '../swarm/channel/envelope.js';
import { initialTrust } from '../swarm/channel/trust-record.js';

/** Why an envelope was not shown, for the page's "refused" list. */
export interface Refusal {
  reason: ChannelErrorReason;
  message: string;
  /** Known once the envelope decoded. */
  seq?: number;
}

export type Verdict =
  | { status: 'accepted'; envelope: SignedEnvelope }
  | { status: 'duplicate'; envelope: SignedEnvelope }
  | { status: 'refused'; refusal: Refusal; envelope: SignedEnvelope };

function refusalOf(error: unknown, seq?: number): Refusal {
  // decodeEnvelope and acceptEnvelope throw only ChannelError; anything else is still a refusal.
  const reason = error instanceof ChannelError ? error.reason : 'malformed';
  const message = error instanceof Error ? error.message : String(error);
  return seq === undefined ? { reason, message } : { reason, message, seq };
}

/** Decodes one envelope's wire text (JSON from the API or an event): a refusal, never a throw. */
export function decodeText(text: string): SignedEnvelope | Refusal {
  try {
    return decodeEnvelope(text);
  } catch (error) {
    return refusalOf(error);
  }
}

export function isRefusal(value: SignedEnvelope | Refusal): value is Refusal {
  return 'reason' in value;
}

/** One channel's trust state in the page: envelopes go in, verdicts come out. */
export class PageTrust {
  private record: ChannelTrustRecord;

  constructor(readonly channel: string) {
    this.record = initialTrust(channel);
  }

  /** The key that signs now (the channel id until a rotation is accepted). */
  get trustedKey(): string {
    return this.record.trustedKey;
  }

  offer(envelope: SignedEnvelope, now = Date.now()): Verdict {
    try {
      const result = acceptEnvelope(this.record, envelope, now);
      this.record = result.record;
      return { status: result.status, envelope };
    } catch (error) {
      return { status: 'refused', refusal: refusalOf(error, envelope.seq), envelope };
    }
  }

  /**
   * Offers a batch the way the Node feed does: rotations first, then everything else, each in
   * ascending seq, since the trust rules judge rollback against what came before.
   */
  offerInOrder(envelopes: readonly SignedEnvelope[], now = Date.now()): Verdict[] {
    const rank = (e: SignedEnvelope) => (e.kind === 'key-rotation' ? 0 : 1);
    const ordered = [...envelopes].sort((a, b) => rank(a) - rank(b) || a.seq - b.seq);
    return ordered.map((envelope) => this.offer(envelope, now));
  }
}
