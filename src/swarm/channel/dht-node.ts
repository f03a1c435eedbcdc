/**
 * The process's BitTorrent mainline DHT node (Node only). One node serves both BEP 44 channel
 * heads and WebTorrent's peer discovery, so its options are built here for both:
 *
 * - WebTorrent 3 takes DHT *options*, never an instance: `new WebTorrent({ dht: dhtOptions(…),
 *   dhtPort })` builds the node, listens on all interfaces at `dhtPort`, and exposes it as
 *   `client.dht`, which `putChannelHead`/`getChannelHead` accept as is (and which
 *   `client.destroy()` destroys).
 * - Without WebTorrent, `createDhtNode` builds and starts one bound to a chosen address.
 *
 * Bootstrap nodes are always explicit: bittorrent-dht falls back to the public routers when none
 * are given, which tests and isolated networks must never reach by accident.
 */
import DHT, { type DhtOptions } from 'bittorrent-dht';
import { UsageError } from '../../errors.js';
import { ed25519Verify } from '../crypto.js';

export type DhtNode = DHT;

export interface DhtNodeInit {
  /** Address to bind, e.g. '127.0.0.1' (tests) or '0.0.0.0' (a relay). */
  host: string;
  /** UDP port; 0 or omitted picks a free one. */
  port?: number;
  /** 'host:port' of nodes to join through. Default: none (never the public routers). */
  bootstrap?: string[];
  signal?: AbortSignal;
}

const HOST_PORT = /^(?<host>[^:\s]+):(?<port>\d{1,5})$/;

/**
 * DHT constructor options for `createDhtNode` and for `new WebTorrent({ dht })`: the given
 * bootstrap nodes only, and ed25519 verification so the node stores and returns BEP 44 items.
 */
export function dhtOptions(bootstrap: readonly string[] = []): DhtOptions {
  for (const address of bootstrap) {
    const port = Number(HOST_PORT.exec(address)?.groups?.port ?? 0);
    if (port < 1 || port > 65535) {
      throw new UsageError(`bad DHT bootstrap address "${address}": expected host:port`);
    }
  }
  return { bootstrap: [...bootstrap], verify: ed25519Verify };
}

/**
 * A DHT node listening on `host:port` whose bootstrap lookup has finished (a bootstrap node that
 * does not answer costs one query timeout, about 2 s). Destroy it with `destroyDhtNode`.
 */
export function createDhtNode(init: DhtNodeInit): Promise<DhtNode> {
  const { signal } = init;
  signal?.throwIfAborted();
  const dht = new DHT(dhtOptions(init.bootstrap));
  return new Promise<DhtNode>((resolve, reject) => {
    let listening = false;
    let ready = false;
    const cleanUp = () => {
      dht.off('listening', onListening);
      dht.off('ready', onReady);
      dht.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const settleIfStarted = () => {
      if (!listening || !ready) return;
      cleanUp();
      resolve(dht);
    };
    const fail = (reason: unknown) => {
      cleanUp();
      dht.destroy();
      reject(reason instanceof Error ? reason : new Error(String(reason)));
    };
    const onListening = () => {
      listening = true;
      settleIfStarted();
    };
    const onReady = () => {
      ready = true;
      settleIfStarted();
    };
    const onError = (error: Error) => fail(error);
    const onAbort = () => fail(signal?.reason);
    dht.on('listening', onListening);
    dht.on('ready', onReady);
    dht.on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    // The bootstrap lookup starts on the next tick; binding first makes its queries wait for
    // this socket instead of auto-binding a random one on all interfaces.
    dht.listen(init.port ?? 0, init.host);
  });
}

/** The node's 'host:port', for other nodes' `bootstrap` (a wildcard host is reported as bound). */
export function dhtAddress(dht: DhtNode): string {
  const { address, port } = dht.address();
  return `${address}:${port}`;
}

/** Closes the node's socket and stops its timers; safe to call twice. */
export function destroyDhtNode(dht: DhtNode): Promise<void> {
  return new Promise((resolve) => dht.destroy(() => resolve()));
}
