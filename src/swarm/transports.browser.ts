/**
 * Browser transports: WebSockets to the origin and to Node relays; WebRTC to other browsers,
 * signalled through the origin's circuit relay (which browsers also use to be reachable at all).
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { webRTC } from '@libp2p/webrtc';
import { webSockets } from '@libp2p/websockets';
import { fixInitChannelRace } from './webrtc-init-channel.js';

export function nodeTransports() {
  fixInitChannelRace(RTCPeerConnection);
  return [webSockets(), webRTC(), circuitRelayTransport()];
}

/** Where a browser can be reached: through relay reservations, upgraded to WebRTC. */
export const BROWSER_LISTEN = ['/p2p-circuit', '/webrtc'];
