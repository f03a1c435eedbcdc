/** Listening and closing HTTP servers with errors a user can act on. */
import type { Server } from 'node:http';
import { RuntimeError } from '../errors.js';

export function listenHttp(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new RuntimeError(`port ${port} is already in use on ${host}; pick another with --port`),
        );
      } else if (error.code === 'EACCES') {
        reject(
          new RuntimeError(`not allowed to listen on ${host}:${port}; pick a port above 1023`),
        );
      } else {
        reject(new RuntimeError(`cannot listen on ${host}:${port}: ${error.message}`));
      }
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
