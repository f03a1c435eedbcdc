/**
 * A fix for a race in @libp2p/webrtc's browser-to-browser dial (6.0.x).
 *
 * The dialer opens a data channel labelled `init` so ICE has something to negotiate. Once the
 * peer connection reports "connected" it waits for the channel's `open` event (unless already
 * open), calls `close()`, and waits for its `close` event. But the listening side closes `init`
 * the moment it arrives, so on a busy machine the channel can open and close before the dialer
 * starts waiting: it then waits for an event that already happened, until its timeout. With 8
 * pages on two cores, a third of the joins lost five seconds this way over a ready connection.
 *
 * The fix: an `init` channel that has already closed answers a late `open` or `close` listener
 * on the next task. Other channels are untouched.
 */

interface InitChannel extends EventTarget {
  readonly label: string;
  readonly readyState: RTCDataChannelState;
}

type CreateDataChannel = (this: unknown, label: string, init?: RTCDataChannelInit) => InitChannel;

interface ChannelFactory {
  prototype: { createDataChannel: CreateDataChannel };
}

const PATCHED = Symbol.for('swarmcast.webrtc-init-channel');

/** Makes a closed `init` channel replay `open` and `close` to listeners that come too late. */
export function answerLateInitListeners(channel: InitChannel): void {
  const addEventListener = channel.addEventListener.bind(channel);
  channel.addEventListener = (type, listener, options) => {
    addEventListener(type, listener, options);
    const state = channel.readyState;
    const missed =
      (type === 'open' && (state === 'closing' || state === 'closed')) ||
      (type === 'close' && state === 'closed');
    if (missed) setTimeout(() => channel.dispatchEvent(new Event(type)), 0);
  };
}

/** Patches `peerConnectionClass.prototype.createDataChannel` once; returns whether it did. */
export function fixInitChannelRace(peerConnectionClass: ChannelFactory): boolean {
  const proto = peerConnectionClass.prototype as ChannelFactory['prototype'] & {
    [PATCHED]?: true;
  };
  if (proto[PATCHED]) return false;
  const createDataChannel = proto.createDataChannel;
  proto.createDataChannel = function (label: string, init?: RTCDataChannelInit) {
    const channel = createDataChannel.call(this, label, init);
    if (label === 'init') answerLateInitListeners(channel);
    return channel;
  };
  proto[PATCHED] = true;
  return true;
}
