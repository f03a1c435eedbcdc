/**
 * node-datachannel's RTCPeerConnection, standing in for a browser's in Node tests, with one
 * difference from a browser's taken away.
 *
 * An answerer that has the offer's candidates starts its connectivity checks, and then its DTLS
 * handshake, at once; that handshake can reach the offerer before the answer does. A browser
 * offerer takes it and checks the certificate against the answer's fingerprint once the answer
 * arrives (RFC 5763, section 6.7). libdatachannel checks it during the handshake and, without
 * a fingerprint yet, fails the connection ("DTLS alert: unknown CA"); the answer then lands on a
 * closed connection ("Got a remote candidate without ICE transport"). On a busy machine that was
 * one handshake in 15, and one in 2 once the answerer no longer made an offer of its own first.
 *
 * So an answerer made here applies the offer without its candidates, and adds them only once its
 * offerer (in this process) has the answer: the order in which a browser offerer would have
 * verified the certificate anyway. Everything else, ICE and DTLS and SCTP included, is real.
 */
import { RTCPeerConnection as NativeStandIn } from 'node-datachannel/polyfill';

/** Answers applied by offerers, by the answerer's ICE username fragment. */
const answered = new Map<string, () => void>();
const waiting = new Map<string, Promise<void>>();

function ufragOf(sdp: string): string {
  const ufrag = /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
  if (!ufrag) throw new Error('an SDP without an ICE username fragment');
  return ufrag;
}

function answerApplied(ufrag: string): Promise<void> {
  let seen = waiting.get(ufrag);
  if (!seen) {
    seen = new Promise<void>((resolve) => answered.set(ufrag, resolve));
    waiting.set(ufrag, seen);
  }
  return seen;
}

export class RtcStandIn extends NativeStandIn {
  override async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    if (description.type === 'answer' && description.sdp) {
      await super.setRemoteDescription(description);
      const ufrag = ufragOf(description.sdp);
      void answerApplied(ufrag);
      answered.get(ufrag)?.();
      return;
    }
    if (description.type !== 'offer' || !description.sdp) {
      return super.setRemoteDescription(description);
    }
    const lines = description.sdp.split(/\r?\n/);
    const candidates = lines
      .filter((line) => line.startsWith('a=candidate:'))
      .map((line) => line.slice(2));
    const sdp = lines
      .filter((line) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates')
      .join('\r\n');
    await super.setRemoteDescription({ type: 'offer', sdp });
    const mid = /^a=mid:(\S+)/m.exec(sdp)?.[1] ?? '0';
    // libdatachannel answers by itself as the offer goes in: the answer is here already.
    void answerApplied(ufragOf(this.localDescription.sdp)).then(async () => {
      for (const candidate of candidates)
        await this.addIceCandidate({ candidate, sdpMid: mid }).catch(() => undefined);
    });
  }
}
