/**
 * Runtime shims for Node 20. libp2p 3 expects `Promise.withResolvers` and a global `WebSocket`,
 * both native from Node 22. Every entry point imports this module before anything else.
 */
import { WebSocket as NodeWebSocket } from 'ws';

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseCtor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
if (typeof promiseCtor.withResolvers !== 'function') {
  promiseCtor.withResolvers = function withResolvers<T>(): Resolvers<T> {
    let resolve!: Resolvers<T>['resolve'];
    let reject!: Resolvers<T>['reject'];
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const scope = globalThis as unknown as { WebSocket?: unknown };
if (typeof scope.WebSocket === 'undefined') {
  scope.WebSocket = NodeWebSocket;
}
