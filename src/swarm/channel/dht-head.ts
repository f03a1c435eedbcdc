/**
 * A channel's latest head as a BEP 44 mutable item in the mainline DHT, so a subscriber can find
 * the newest envelope with the seeder offline (Node only).
 *
 * The item: key = the envelope's *signer*, salt = the channel name, seq = the envelope's seq,
 * v = the envelope's wire bytes. BEP 44 items are signed by the key they live under, so after a
 * key rotation the head moves to the new key's address; a subscriber looks under the key its
 * trust record currently trusts (`trustedKey`), not necessarily under the channel id.
 *
 * What a DHT item proves is only that the key signed *some* seq; the envelope inside is decoded
 * and verified on its own, and whether it is new or trusted stays the trust policy's call.
 */
import type { DhtItem, DhtError } from 'bittorrent-dht';
import { createHash } from 'node:crypto';
import { CHANNEL_NAME_PATTERN, type SignedEnvelope } from '../../contracts/channel.js';
import { RuntimeError } from '../../errors.js';
import { ed25519PublicKey, ed25519Sign } from '../crypto.js';
import { bytesToHex, hexToBytes } from '../hex.js';
import { ChannelError, shortId } from './channel-error.js';
import { dhtItemTarget, dhtSalt } from './dht-item.js';
import type { DhtNode } from './dht-node.js';
import { chunkSalt, headItems, parseChunkPointer, type ChunkPointer } from './dht-chunks.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';

/** How long a put or get may take by default: a lookup on the public DHT takes seconds. */
export const DHT_HEAD_TIMEOUT_MS = 20_000;

/** The KRPC error code of a put whose seq is not above the one the node stores. */
const SEQ_NOT_NEWER = 302;

export interface PutChannelHeadInit {
  /** Published under its signer's key, with its channel name as the salt. */
  envelope: SignedEnvelope;
  /**
   * The signer's 32-byte ed25519 seed, or the BEP 44 signature it made beforehand (a seeder puts
   * its publishers' heads without ever holding their keys; see bep44-signature.ts).
   */
  secret: { secretKey: Uint8Array } | { signature: Uint8Array };
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface GetChannelHeadInit {
  /** The key to look under: the channel's currently trusted signing key. */
  publicKey: Uint8Array;
  /** The channel name (the item's salt). */
  name: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Why a lookup found no usable head; for the log, since the DHT cannot say who lied. */
export type ChannelHeadMiss =
  /** No node returned an item correctly signed under this key and salt. */
  | 'not-found'
  /** The lookup did not finish within its time bound. */
  | 'timed-out'
  /** The item's value is not an envelope that decodes and verifies. */
  | 'bad-envelope'
  /** The item's seq differs from the envelope's. */
  | 'seq-mismatch'
  /** The envelope was signed by another key than the one looked under. */
  | 'wrong-signer'
  /** The envelope names another channel than the salt. */
  | 'wrong-name';

export type ChannelHeadLookup =
  { envelope: SignedEnvelope } | { envelope: undefined; reason: ChannelHeadMiss; message: string };

/**
 * Stores `envelope` as its channel's head on the DHT nodes closest to its address (as chunks
 * behind a pointer when it does not fit one item: `dht-chunks.ts`); resolves with how many nodes
 * accepted the item that stored fewest. Throws ChannelError 'wrong-key' when `secretKey` is not
 * the signer's, 'bad-signature' when pre-made signatures do not match the items, 'rollback' when every node that answered holds this seq or a newer one
 * (bittorrent-dht nodes refuse an equal seq too); RuntimeError when no node stored it in time.
 * Rejects with the signal's reason if `signal` aborts.
 */
export async function putChannelHead(
  dht: DhtNode,
  init: PutChannelHeadInit,
): Promise<{ nodes: number }> {
  const { envelope, secret } = init;
  refuseDestroyed(dht);
  const channel = shortId(envelope.channel);
  const publicKey = Buffer.from(
    'secretKey' in secret ? ed25519PublicKey(secret.secretKey) : hexToBytes(envelope.signer)!,
  );
  if (bytesToHex(publicKey) !== envelope.signer) {
    throw new ChannelError(
      'wrong-key',
      `cannot publish seq ${envelope.seq} of channel ${channel} to the DHT: the key given is not its signer ${shortId(envelope.signer)}`,
    );
  }
  const items = headItems(envelope.name, encodeEnvelope(envelope));
  if ('signature' in secret && secret.signature.length !== items.length * 64) {
    throw new ChannelError(
      'bad-signature',
      `head seq ${envelope.seq} of channel ${channel} needs ${items.length} DHT item signature(s)`,
    );
  }
  const bound = AbortSignal.timeout(init.timeoutMs ?? DHT_HEAD_TIMEOUT_MS);
  try {
    // Chunks first, the head last: a reader who finds the new head finds its chunks too.
    let nodes = Infinity;
    for (const [index, item] of items.entries()) {
      const stored = await untilAborted<number>(anyOf(init.signal, bound), (done) =>
        dht.put(
          {
            k: publicKey,
            salt: item.salt,
            seq: envelope.seq,
            v: item.value,
            sign: (message) =>
              Buffer.from(
                'secretKey' in secret
                  ? ed25519Sign(message, secret.secretKey)
                  : secret.signature.subarray(index * 64, index * 64 + 64),
              ),
          },
          (error, _target, count) => done(error, count ?? 0),
        ),
      );
      nodes = Math.min(nodes, stored);
    }
    return { nodes };
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    const what = `head seq ${envelope.seq} of channel ${channel}`;
    if (bound.aborted) throw new RuntimeError(`no DHT node confirmed storing ${what} in time`);
    if ((error as DhtError).code === SEQ_NOT_NEWER) {
      throw new ChannelError('rollback', `DHT nodes already hold ${what} or a newer one`);
    }
    throw new RuntimeError(`no DHT node stored ${what}: ${(error as Error).message}`);
  }
}

/**
 * Finds the newest head stored under `publicKey` and the channel `name`. The envelope returned
 * decoded and verified, names `name`, was signed by `publicKey`, and has the item's seq;
 * anything else is a miss with a reason to log. Rejects only for bad arguments, or with the
 * signal's reason if `signal` aborts; its own time bound gives the miss 'timed-out'.
 */
export async function getChannelHead(
  dht: DhtNode,
  init: GetChannelHeadInit,
): Promise<ChannelHeadLookup> {
  const { name } = init;
  refuseDestroyed(dht);
  const publicKey = Buffer.from(init.publicKey);
  if (publicKey.length !== 32) throw new ChannelError('malformed', 'DHT key must be 32 bytes');
  if (!CHANNEL_NAME_PATTERN.test(name)) {
    throw new ChannelError('malformed', `"${name}" is not a channel name`);
  }
  const key = bytesToHex(publicKey);
  const where = `channel head ${name} under key ${shortId(key)}`;
  const salt = dhtSalt(name);
  const bound = AbortSignal.timeout(init.timeoutMs ?? DHT_HEAD_TIMEOUT_MS);
  let item: DhtItem | null;
  try {
    // cache: false, because a node that stores items for others may hold an older one itself.
    item = await untilAborted(anyOf(init.signal, bound), (done) =>
      dht.get(dhtItemTarget(publicKey, salt), { salt, cache: false }, done),
    );
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    if (bound.aborted) return miss('timed-out', `DHT lookup of ${where} did not finish in time`);
    throw error;
  }
  if (!item) return miss('not-found', `no DHT node holds ${where}`);

  let bytes: Uint8Array = item.v;
  const pointer = parseChunkPointer(item.v);
  if (pointer) {
    const whole = await readChunks(
      dht,
      publicKey,
      name,
      item.seq ?? -1,
      pointer,
      anyOf(init.signal, bound),
    );
    if (typeof whole === 'string') return miss('bad-envelope', `DHT ${where}: ${whole}`);
    bytes = whole;
  }
  let envelope: SignedEnvelope;
  try {
    envelope = decodeEnvelope(bytes);
  } catch (error) {
    if (!(error instanceof ChannelError)) throw error;
    return miss('bad-envelope', `DHT ${where}: ${error.reason}: ${error.message}`);
  }
  const found = `DHT ${where} holds seq ${envelope.seq}`;
  if (item.seq !== envelope.seq) {
    return miss('seq-mismatch', `${found} as item seq ${String(item.seq)}`);
  }
  if (envelope.signer !== key || !item.k?.equals(publicKey)) {
    return miss('wrong-signer', `${found} signed by ${shortId(envelope.signer)}`);
  }
  if (envelope.name !== name) return miss('wrong-name', `${found} of channel ${envelope.name}`);
  return { envelope };
}

/** The chunks a pointer names, reassembled and checked; a string says why they are not usable. */
async function readChunks(
  dht: DhtNode,
  publicKey: Buffer,
  name: string,
  seq: number,
  pointer: ChunkPointer,
  signal: AbortSignal,
): Promise<Uint8Array | string> {
  let parts: (DhtItem | null)[];
  try {
    parts = await Promise.all(
      Array.from({ length: pointer.chunks }, (_, index) => {
        const salt = chunkSalt(name, index + 1);
        return untilAborted<DhtItem | null>(signal, (done) =>
          dht.get(dhtItemTarget(publicKey, salt), { salt, cache: false }, done),
        );
      }),
    );
  } catch (error) {
    return `its chunks could not be fetched (${(error as Error).message})`;
  }
  if (parts.some((part) => !part || part.seq !== seq || !part.k?.equals(publicKey)))
    return `a chunk of seq ${seq} is missing or belongs to another seq`;
  const whole = Buffer.concat(parts.map((part) => part!.v));
  if (createHash('sha256').update(whole).digest('hex') !== pointer.sha256)
    return 'its chunks do not hash to what the pointer says';
  return whole;
}

// A destroyed node never calls back: refuse up front rather than wait out the time bound.
function refuseDestroyed(dht: DhtNode): void {
  if (dht.destroyed) throw new RuntimeError('the DHT node is destroyed');
}

function miss(reason: ChannelHeadMiss, message: string): ChannelHeadLookup {
  return { envelope: undefined, reason, message };
}

function anyOf(signal: AbortSignal | undefined, bound: AbortSignal): AbortSignal {
  return signal ? AbortSignal.any([signal, bound]) : bound;
}

/**
 * Runs one callback-style DHT call, settling early if `signal` aborts. bittorrent-dht cannot
 * cancel a lookup; an abandoned one still ends by itself on its query timeouts.
 */
function untilAborted<T>(
  signal: AbortSignal,
  start: (done: (error: Error | null, value: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    signal.throwIfAborted();
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      start((error, value) => {
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value);
      });
    } catch (error) {
      signal.removeEventListener('abort', onAbort);
      throw error;
    }
  });
}
