/**
 * The slice of bittorrent-tracker 11's Server that `src/swarm/bulk/tracker.ts` uses (the package
 * ships no types).
 */
declare module 'bittorrent-tracker' {
  import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
  import type { WebSocketServer } from 'ws';

  export interface ServerOptions {
    /** How often clients should announce, in milliseconds. */
    interval?: number;
    trustProxy?: boolean;
    /** false: no HTTP server of its own. */
    http?: boolean;
    udp?: boolean;
    /** `{ noServer: true }`: a WebSocket server the caller feeds upgrades to. */
    ws?: boolean | { noServer: true };
    stats?: boolean;
  }

  export class Server {
    constructor(options?: ServerOptions);
    /** Its own HTTP server, unless created with `http: false` (and no `ws`/`stats` needing one). */
    readonly http: HttpServer | null;
    readonly ws: WebSocketServer | null;
    /** Swarms by hex info-hash. */
    readonly torrents: Record<string, { complete: number; incomplete: number }>;
    onHttpRequest(
      request: IncomingMessage,
      response: ServerResponse,
      options?: { action?: 'announce' | 'scrape'; trustProxy?: boolean },
    ): void;
    /** Only for a server with listeners of its own. */
    listen(port: number, hostname: string, onListening: () => void): void;
    close(callback?: (error?: Error | null) => void): void;
    on(event: 'error' | 'warning', listener: (error: Error) => void): this;
  }
}
