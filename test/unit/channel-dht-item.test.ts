/**
 * BEP 44 arithmetic with no network: item addresses and signatures match the BEP's own test
 * vectors, the 1000-byte limit is counted on the bencoded value, and DHT options never fall back
 * to the public routers.
 */
import { describe, expect, it } from 'vitest';
import {
  bencodedLength,
  dhtItemTarget,
  dhtSalt,
  fitsDhtItem,
  MAX_DHT_VALUE_BYTES,
} from '../../src/swarm/channel/dht-item.js';
import { dhtOptions } from '../../src/swarm/channel/dht-node.js';
import { UsageError } from '../../src/errors.js';

// BEP 44, "test vectors": one key, a value "Hello World!" at seq 1, without and with salt.
const VECTOR_KEY = Buffer.from(
  '77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548',
  'hex',
);
const VECTOR_SIG_NO_SALT = Buffer.from(
  '305ac8aeb6c9c151fa120f120ea2cfb923564e11552d06a5d856091e5e853cff' +
    '1260d3f39e4999684aa92eb73ffd136e6f4f3ecbfda0ce53a1608ecd7ae21f01',
  'hex',
);
const VECTOR_SIG_SALT = Buffer.from(
  '6834284b6b24c3204eb2fea824d82f88883a3d95e8b4a21b8c0ded553d17d17d' +
    'df9a8a7104b1258f30bed3787e6cb896fca78c58f8e03b5f18f14951a87d9a08',
  'hex',
);

describe('dhtItemTarget', () => {
  it('is SHA-1 of key and salt, as in the BEP 44 vectors', () => {
    expect(dhtItemTarget(VECTOR_KEY, dhtSalt('')).toString('hex')).toBe(
      '4a533d47ec9c7d95b1ad75f576cffc641853b750',
    );
    expect(dhtItemTarget(VECTOR_KEY, dhtSalt('foobar')).toString('hex')).toBe(
      '411eba73b6f087ca51a3795d9c8c938d365e32c1',
    );
  });
});

describe('bencodedLength / fitsDhtItem', () => {
  it('counts the decimal length prefix and the colon', () => {
    expect(bencodedLength(new Uint8Array(0))).toBe(2);
    expect(bencodedLength(new Uint8Array(9))).toBe(11);
    expect(bencodedLength(new Uint8Array(10))).toBe(13);
    expect(bencodedLength(new Uint8Array(996))).toBe(1000);
  });

  it('allows exactly 1000 bencoded bytes and no more', () => {
    expect(MAX_DHT_VALUE_BYTES).toBe(1000);
    expect(fitsDhtItem(new Uint8Array(996))).toBe(true);
    expect(fitsDhtItem(new Uint8Array(997))).toBe(false);
    expect(fitsDhtItem(new Uint8Array(0))).toBe(true);
  });
});

describe('dhtOptions', () => {
  it('verifies BEP 44 signatures with our ed25519 (the BEP vectors)', () => {
    const { verify } = dhtOptions();
    if (!verify) throw new Error('no verify option');
    const noSalt = Buffer.from('3:seqi1e1:v12:Hello World!');
    const salted = Buffer.from('4:salt6:foobar3:seqi1e1:v12:Hello World!');
    expect(verify(VECTOR_SIG_NO_SALT, noSalt, VECTOR_KEY)).toBe(true);
    expect(verify(VECTOR_SIG_SALT, salted, VECTOR_KEY)).toBe(true);
    expect(verify(VECTOR_SIG_SALT, noSalt, VECTOR_KEY)).toBe(false);
  });

  it('joins through exactly the nodes given, by default none', () => {
    expect(dhtOptions().bootstrap).toEqual([]);
    expect(dhtOptions(['127.0.0.1:6881', 'relay.example:7000']).bootstrap).toEqual([
      '127.0.0.1:6881',
      'relay.example:7000',
    ]);
  });

  it('refuses an address that is not host:port', () => {
    for (const bad of ['127.0.0.1', '127.0.0.1:0', 'host:70000', ':6881', 'a b:1']) {
      expect(() => dhtOptions([bad])).toThrow(UsageError);
    }
  });
});
