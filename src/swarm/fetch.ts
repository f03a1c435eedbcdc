/**
 * Pull one object from a peer: `get {kind, id}` → the object whole, or `missing`. Used to fill a
 * gap after re-attaching. The client verifies what it gets exactly as pushed objects are verified.
 */
import type { PeerId } from '@libp2p/interface';
import type { ObjectKind } from './announcement.js';
import { FramedStream } from './framed-stream.js';
import { ObjectAssembler, ProtocolViolation, type VerifiedObject } from './object-assembler.js';
import type { SwarmNode } from './node.js';
import { sendWholeObject } from './object-sender.js';
import { PROTOCOL } from './protocol.js';
import type { SegmentStore } from './segment-store.js';

export async function serveFetch(
  node: SwarmNode,
  store: SegmentStore,
  onUpload: (bytes: number) => void,
): Promise<() => Promise<void>> {
  await node.handle(
    PROTOCOL.fetch,
    async (stream) => {
      const framed = new FramedStream(stream);
      try {
        const frame = await framed.read(AbortSignal.timeout(5_000));
        if (frame.type !== 'control' || frame.message.t !== 'get') throw new Error('expected get');
        const { kind, id } = frame.message;
        const object = kind === 'media' ? store.get(id) : store.init(id);
        if (object?.announcement) {
          onUpload(sendWholeObject(framed, object.announcement, object.bytes));
        } else {
          framed.send({ type: 'control', message: { t: 'missing' } });
        }
        await framed.close();
      } catch (error) {
        framed.abort(error as Error);
      }
    },
    { maxInboundStreams: 64 },
  );
  return () => node.unhandle(PROTOCOL.fetch);
}

export interface FetchContext {
  node: SwarmNode;
  publicKey: Uint8Array;
  streamId: string;
}

/**
 * Fetches and verifies one object from `peer`. Resolves undefined if the peer does not have it;
 * throws ProtocolViolation if the peer sent anything that does not verify.
 */
export async function fetchObject(
  context: FetchContext,
  peer: PeerId,
  kind: ObjectKind,
  id: number,
  signal: AbortSignal,
): Promise<VerifiedObject | undefined> {
  const stream = await context.node.dialProtocol(peer, PROTOCOL.fetch, { signal });
  const framed = new FramedStream(stream);
  try {
    framed.send({ type: 'control', message: { t: 'get', kind, id } });
    let result: VerifiedObject | undefined;
    const assembler = new ObjectAssembler(context.publicKey, context.streamId, {
      has: () => false,
      onVerified: (object) => (result = object),
    });
    for (;;) {
      const frame = await framed.read(signal);
      if (frame.type === 'control') {
        if (frame.message.t === 'missing') return undefined;
        throw new ProtocolViolation(`unexpected ${frame.message.t} in a fetch`);
      }
      if (
        frame.type === 'announce' &&
        (frame.announcement.kind !== kind || frame.announcement.id !== id)
      ) {
        throw new ProtocolViolation('fetch answered with another object');
      }
      await assembler.handle(frame);
      if (result) return result;
    }
  } finally {
    framed.abort(new Error('fetch done'));
  }
}
