/**
 * Channels on gossipsub: one topic per channel, each message one encoded envelope. The topic
 * validator drops (and makes gossipsub penalise the sender of) anything that is not a correctly
 * signed envelope of that channel; whether it is *new* is the subscriber's trust state's call.
 */
import { TopicValidatorResult, type Message } from '@libp2p/gossipsub';
import type { SignedEnvelope } from '../../contracts/channel.js';
import type { SwarmNode } from '../node.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';

export function channelTopic(channelId: string): string {
  return `/swarmcast/channel/1/${channelId}`;
}

function pubsubOf(node: SwarmNode) {
  const pubsub = node.services.pubsub;
  if (!pubsub) throw new Error('this swarm node was started without gossip');
  return pubsub;
}

/** Subscribes to a channel's topic; returns the unsubscribe. */
export function joinChannelGossip(
  node: SwarmNode,
  channelId: string,
  onEnvelope: (envelope: SignedEnvelope) => void,
): () => void {
  const pubsub = pubsubOf(node);
  const topic = channelTopic(channelId);
  const valid = (message: Message): SignedEnvelope | undefined => {
    try {
      const envelope = decodeEnvelope(message.data);
      return envelope.channel === channelId ? envelope : undefined;
    } catch {
      return undefined;
    }
  };
  pubsub.topicValidators.set(topic, (_peer, message) =>
    valid(message) ? TopicValidatorResult.Accept : TopicValidatorResult.Reject,
  );
  const onMessage = (event: CustomEvent<Message>) => {
    if (event.detail.topic !== topic) return;
    const envelope = valid(event.detail);
    if (envelope) onEnvelope(envelope);
  };
  pubsub.addEventListener('message', onMessage);
  pubsub.subscribe(topic);
  return () => {
    pubsub.removeEventListener('message', onMessage);
    pubsub.unsubscribe(topic);
    pubsub.topicValidators.delete(topic);
  };
}

/** Publishes an envelope on its channel's topic; resolves with how many peers it went to. */
export async function publishEnvelope(node: SwarmNode, envelope: SignedEnvelope): Promise<number> {
  const result = await pubsubOf(node).publish(
    channelTopic(envelope.channel),
    encodeEnvelope(envelope),
  );
  return result.recipients.length;
}
