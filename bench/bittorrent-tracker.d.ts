/** The little of bittorrent-tracker's server that bench:p2p uses (the package ships no types). */
declare module 'bittorrent-tracker' {
  import type { Server as HttpServer } from 'node:http';

  export class Server {
    constructor(options: { udp: boolean; http: boolean; ws: boolean; stats: boolean });
    http: HttpServer | null;
    listen(port: number, hostname: string, onListening: () => void): void;
    close(callback?: () => void): void;
  }
}
