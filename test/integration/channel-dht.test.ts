/**
 * Channel heads as BEP 44 items on real bittorrent-dht nodes in this process (UDP on 127.0.0.1,
 * bootstrapped from one another, never the public network): a head put from one node is found
 * from another and outlives its publisher's node, a higher seq replaces a lower one, nothing
 * signed by another key is returned, and an envelope too large for one item travels as chunks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SignedEnvelope } from '../../src/contracts/channel.js';
import { generateKeyPair, type KeyPair } from '../../src/seeder/stream-key.js';
import { getChannelHead, putChannelHead } from '../../src/swarm/channel/dht-head.js';
import { signBep44Head } from '../../src/swarm/channel/bep44-signature.js';
import { dhtSalt } from '../../src/swarm/channel/dht-item.js';
import {
  createDhtNode,
  destroyDhtNode,
  dhtAddress,
  type DhtNode,
} from '../../src/swarm/channel/dht-node.js';
import { encodeEnvelope, signEnvelope } from '../../src/swarm/channel/envelope.js';
import { ed25519Sign } from '../../src/swarm/crypto.js';
import { bytesToHex } from '../../src/swarm/hex.js';
import { reasonOfAsync } from '../helpers/channel-error.js';

const NODE_COUNT = 6;
const NAME = 'my-app';
const DAY = 86_400_000;

const nodes: DhtNode[] = [];

async function startNode(): Promise<DhtNode> {
  const bootstrap = nodes.filter((node) => !node.destroyed).map(dhtAddress);
  const node = await createDhtNode({ host: '127.0.0.1', bootstrap });
  nodes.push(node);
  return node;
}

function nodeAt(index: number): DhtNode {
  const node = nodes[index];
  if (!node) throw new Error(`no DHT node ${index}`);
  return node;
}

beforeEach(async () => {
  for (let i = 0; i < NODE_COUNT; i++) await startNode();
}, 10_000);

afterEach(async () => {
  await Promise.all(nodes.splice(0).map(destroyDhtNode));
}, 10_000);

/** A news envelope of `channel` (default: the signer's own), signed by `key`. */
function news(key: KeyPair, seq: number, text = `news ${seq}`, channel?: string) {
  const now = Date.now();
  return signEnvelope(
    {
      channel: channel ?? bytesToHex(key.publicKey),
      name: NAME,
      seq,
      issued: now,
      expires: now + DAY,
      kind: 'news',
      body: { text },
    },
    key.secretKey,
  );
}

/** A BEP 44 put that bypasses putChannelHead's checks: what a careless or hostile peer can do. */
function rawPut(
  dht: DhtNode,
  item: { key: Uint8Array; seq: number; value: Uint8Array; signWith: Uint8Array },
): Promise<number> {
  return new Promise((resolve, reject) =>
    dht.put(
      {
        k: Buffer.from(item.key),
        salt: dhtSalt(NAME),
        seq: item.seq,
        v: Buffer.from(item.value),
        sign: (message) => Buffer.from(ed25519Sign(message, item.signWith)),
      },
      (error, _target, stored) => (error ? reject(error) : resolve(stored ?? 0)),
    ),
  );
}

async function lookup(dht: DhtNode, publicKey: Uint8Array, timeoutMs = 5_000) {
  const started = performance.now();
  const result = await getChannelHead(dht, { publicKey, name: NAME, timeoutMs });
  return { ...result, ms: Math.round(performance.now() - started) };
}

describe('channel heads in the DHT', () => {
  it('a head put from one node is found from another', async () => {
    const key = generateKeyPair();
    const envelope = news(key, 1);
    const { nodes: stored } = await putChannelHead(nodeAt(0), {
      envelope,
      secret: { secretKey: key.secretKey },
    });
    expect(stored).toBe(NODE_COUNT - 1);

    const found = await lookup(nodeAt(NODE_COUNT - 1), key.publicKey);
    expect(found.envelope).toEqual(envelope);
    expect(found.ms).toBeLessThan(1_000);
  }, 10_000);

  it('a seeder puts a head with the signature its publisher made, never holding the key', async () => {
    const key = generateKeyPair();
    const envelope = news(key, 1);
    const signature = signBep44Head(envelope, key.secretKey);
    const { nodes: stored } = await putChannelHead(nodeAt(0), {
      envelope,
      secret: { signature },
    });
    expect(stored).toBe(NODE_COUNT - 1);
    expect((await lookup(nodeAt(NODE_COUNT - 1), key.publicKey)).envelope).toEqual(envelope);
  }, 10_000);

  it('a higher seq replaces a lower one, and a stale put does not win', async () => {
    const key = generateKeyPair();
    await putChannelHead(nodeAt(0), {
      envelope: news(key, 1),
      secret: { secretKey: key.secretKey },
    });
    const newer = news(key, 2);
    await putChannelHead(nodeAt(1), { envelope: newer, secret: { secretKey: key.secretKey } });
    expect((await lookup(nodeAt(4), key.publicKey)).envelope).toEqual(newer);

    const stale = news(key, 1, 'a replayed old head');
    const refused = await reasonOfAsync(() =>
      putChannelHead(nodeAt(2), { envelope: stale, secret: { secretKey: key.secretKey } }),
    );
    expect(refused).toBe('rollback');
    expect((await lookup(nodeAt(5), key.publicKey)).envelope).toEqual(newer);
  }, 10_000);

  it('returns nothing signed by another key than the one looked under', async () => {
    const channelKey = generateKeyPair();
    const other = generateKeyPair();

    // Another key's head under the same name lives at another address.
    await putChannelHead(nodeAt(0), {
      envelope: news(other, 1),
      secret: { secretKey: other.secretKey },
    });
    expect(await lookup(nodeAt(3), channelKey.publicKey)).toMatchObject({ reason: 'not-found' });

    // putChannelHead will not sign an item with a key that did not sign the envelope...
    const foreign = news(other, 2, 'claims the channel', bytesToHex(channelKey.publicKey));
    expect(
      await reasonOfAsync(() =>
        putChannelHead(nodeAt(0), {
          envelope: foreign,
          secret: { secretKey: channelKey.secretKey },
        }),
      ),
    ).toBe('wrong-key');

    // ...and when the channel key itself wraps another key's envelope, the getter refuses it.
    await rawPut(nodeAt(1), {
      key: channelKey.publicKey,
      seq: 2,
      value: encodeEnvelope(foreign),
      signWith: channelKey.secretKey,
    });
    expect(await lookup(nodeAt(4), channelKey.publicKey)).toMatchObject({
      envelope: undefined,
      reason: 'wrong-signer',
    });
  }, 10_000);

  it('nodes drop an item whose signature is not the key it claims', async () => {
    const channelKey = generateKeyPair();
    const forger = generateKeyPair();
    const forged = news(forger, 7, 'forged', bytesToHex(channelKey.publicKey));
    // Storing nodes verify the item signature and stay silent: the put times out everywhere.
    await expect(
      rawPut(nodeAt(0), {
        key: channelKey.publicKey,
        seq: 7,
        value: encodeEnvelope(forged),
        signWith: forger.secretKey,
      }),
    ).rejects.toThrow('All queries failed');
    expect(await lookup(nodeAt(5), channelKey.publicKey)).toMatchObject({ reason: 'not-found' });
  }, 10_000);

  it("refuses an item whose seq is not its envelope's", async () => {
    const key = generateKeyPair();
    await rawPut(nodeAt(0), {
      key: key.publicKey,
      seq: 9,
      value: encodeEnvelope(news(key, 3)),
      signWith: key.secretKey,
    });
    expect(await lookup(nodeAt(2), key.publicKey)).toMatchObject({ reason: 'seq-mismatch' });
  }, 10_000);

  it('a head larger than one item travels as chunks behind a pointer, also with pre-made signatures', async () => {
    const key = generateKeyPair();
    const large = news(key, 1, 'x'.repeat(1900));
    expect(encodeEnvelope(large).length).toBeGreaterThan(2000);
    await putChannelHead(nodeAt(0), {
      envelope: large,
      secret: { signature: signBep44Head(large, key.secretKey) },
    });
    expect((await lookup(nodeAt(NODE_COUNT - 1), key.publicKey)).envelope).toEqual(large);

    // A newer head replaces it; a chunk of the old one cannot be mixed into the new.
    const newer = news(key, 2, 'y'.repeat(1900));
    await putChannelHead(nodeAt(1), { envelope: newer, secret: { secretKey: key.secretKey } });
    expect((await lookup(nodeAt(2), key.publicKey)).envelope).toEqual(newer);
  }, 10_000);

  it('a pointer whose chunks do not add up is a miss', async () => {
    const key = generateKeyPair();
    // A pointer signed by the channel key, naming chunks that were never stored.
    await rawPut(nodeAt(0), {
      key: key.publicKey,
      seq: 1,
      value: new TextEncoder().encode(JSON.stringify({ chunks: 2, sha256: 'a'.repeat(64) })),
      signWith: key.secretKey,
    });
    expect(await lookup(nodeAt(1), key.publicKey, 3_000)).toMatchObject({
      envelope: undefined,
      reason: 'bad-envelope',
    });
  }, 15_000);

  it("the head outlives its publisher's node", async () => {
    const key = generateKeyPair();
    const envelope = news(key, 1);
    await putChannelHead(nodeAt(0), { envelope, secret: { secretKey: key.secretKey } });
    await destroyDhtNode(nodeAt(0));

    // The others still list the publisher: the lookup waits out one query timeout (~2 s).
    const found = await lookup(nodeAt(3), key.publicKey);
    expect(found.envelope).toEqual(envelope);
    expect(found.ms).toBeLessThan(4_000);
  }, 10_000);

  it('after a key rotation the head lives under the new key', async () => {
    const channelKey = generateKeyPair();
    const newKey = generateKeyPair();
    const channel = bytesToHex(channelKey.publicKey);
    const now = Date.now();
    const rotation = signEnvelope(
      {
        channel,
        name: NAME,
        seq: 1,
        issued: now,
        expires: now + DAY,
        kind: 'key-rotation',
        body: { newKey: bytesToHex(newKey.publicKey) },
      },
      channelKey.secretKey,
    );
    await putChannelHead(nodeAt(0), {
      envelope: rotation,
      secret: { secretKey: channelKey.secretKey },
    });
    const afterRotation: SignedEnvelope = news(newKey, 2, 'signed by the new key', channel);
    await putChannelHead(nodeAt(0), {
      envelope: afterRotation,
      secret: { secretKey: newKey.secretKey },
    });

    expect((await lookup(nodeAt(5), newKey.publicKey)).envelope).toEqual(afterRotation);
    // The channel id's address still holds the rotation, which tells a subscriber where to look.
    expect((await lookup(nodeAt(5), channelKey.publicKey)).envelope).toEqual(rotation);
  }, 10_000);

  it('a lookup of nothing is a miss within its bound; an aborted one rejects', async () => {
    const key = generateKeyPair();
    expect(await lookup(nodeAt(1), key.publicKey)).toMatchObject({ reason: 'not-found' });

    // A silent node holds the lookup for a query timeout (~2 s); the bound cuts it short.
    await destroyDhtNode(nodeAt(2));
    const bounded = await lookup(nodeAt(1), key.publicKey, 300);
    expect(bounded).toMatchObject({ reason: 'timed-out' });
    expect(bounded.ms).toBeLessThan(1_000);

    const controller = new AbortController();
    const pending = getChannelHead(nodeAt(1), {
      publicKey: key.publicKey,
      name: NAME,
      signal: controller.signal,
    });
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
  }, 10_000);
});
