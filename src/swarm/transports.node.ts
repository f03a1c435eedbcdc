/** Node transports: TCP between Node peers, WebSockets so browsers can reach us. */
import { tcp } from '@libp2p/tcp';
import { webSockets } from '@libp2p/websockets';

export function nodeTransports() {
  return [tcp(), webSockets()];
}
