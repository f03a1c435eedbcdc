/**
 * Everything a channel's follower hears, from every source (the seeder's HTTP API, gossip, the
 * DHT), put through one trust state: each envelope is accepted at most once, in seq order per
 * kind, and only if it passes the TUF checks. Sources are only ever hints; the signature and the
 * trust record decide.
 */
import type { SignedEnvelope } from '../../contracts/channel.js';
import type { SwarmNode } from '../node.js';
import { ChannelError } from './channel-error.js';
import type { ChannelStateStore } from './channel-state.js';
import { joinChannelGossip } from './gossip.js';
import type { SeederClient } from './seeder-client.js';

export interface ChannelFeedOptions {
  channel: string;
  state: ChannelStateStore;
  seeder?: SeederClient;
  node?: SwarmNode;
  /** A newly accepted envelope (rotations included). */
  onAccepted: (envelope: SignedEnvelope, source: string) => void;
  /** An envelope refused for a reason worth telling (not mere replays). */
  onRefused?: (error: ChannelError, source: string) => void;
  /** How often the seeder is asked again, in case gossip missed something. @default 15 s */
  pollMs?: number;
}

export class ChannelFeed {
  private stopGossip: (() => void) | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly controller = new AbortController();

  constructor(private readonly options: ChannelFeedOptions) {}

  async start(): Promise<void> {
    const { node, channel } = this.options;
    if (node) {
      this.stopGossip = joinChannelGossip(
        node,
        channel,
        (envelope) => void this.offer(envelope, 'gossip'),
      );
    }
    await this.poll().catch(() => undefined);
    if (this.options.seeder) {
      void this.listen(this.options.seeder);
      this.timer = setInterval(
        () => void this.poll().catch(() => undefined),
        this.options.pollMs ?? 15_000,
      );
    }
  }

  stop(): void {
    this.controller.abort();
    this.stopGossip?.();
    clearInterval(this.timer);
  }

  /**
   * The seeder's own push: gossip reaches a new subscriber only once the mesh has formed, and the
   * poll is slow, so the seeder also streams each envelope it accepts. Reconnects with back-off.
   */
  private async listen(seeder: SeederClient): Promise<void> {
    const { signal } = this.controller;
    let delay = 1_000;
    while (!signal.aborted) {
      try {
        for await (const envelope of seeder.events(this.options.channel, signal)) {
          delay = 1_000;
          await this.offer(envelope, 'seeder');
        }
      } catch {
        // The seeder restarted or went away: try again later; gossip and the DHT carry on.
      }
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  }

  /** Asks the seeder for rotations, news and the newest release, and offers them in order. */
  async poll(): Promise<void> {
    const { seeder, channel } = this.options;
    if (!seeder) return;
    const rotations = await seeder.envelopes(channel, 'rotations');
    const news = await seeder.envelopes(channel, 'news');
    const release = await seeder.release(channel);
    for (const envelope of [...rotations, ...news, ...(release ? [release] : [])]) {
      await this.offer(envelope, 'seeder');
    }
  }

  /** Runs an envelope through the trust state; resolves true if it was new and accepted. */
  offer(envelope: SignedEnvelope, source: string): Promise<boolean> {
    const run = async () => {
      if (envelope.channel !== this.options.channel) return false;
      try {
        const result = await this.options.state.accept(envelope, Date.now());
        if (result.status !== 'accepted') return false;
        this.options.onAccepted(envelope, source);
        return true;
      } catch (error) {
        if (!(error instanceof ChannelError)) throw error;
        // Old news and stale heads arrive all the time from peers and polls: not worth a word.
        if (error.reason !== 'rollback') this.options.onRefused?.(error, source);
        return false;
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }
}
