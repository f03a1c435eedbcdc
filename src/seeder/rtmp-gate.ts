/**
 * The RTMP ingest gate: a TCP proxy in front of ffmpeg's RTMP listener, which (in ffmpeg 4.1)
 * accepts any app and stream key. The gate follows the client's chunk stream up to `publish`,
 * checks the app and key, and only then lets the bytes through untouched. The final chunk of each
 * `FCPublish` and `publish` message is held back until it is checked, so ffmpeg never acts on an
 * unchecked one; media is refused until then, since ffmpeg would take it without any publish.
 *
 * The parsing lives in rtmp-inspector.ts.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { REFUSAL, RtmpPublishInspector } from './rtmp-inspector.js';

export { REFUSAL, RtmpPublishInspector, type InspectVerdict } from './rtmp-inspector.js';

const DEFAULT_PUBLISH_TIMEOUT_MS = 10_000;
/** After one side closes cleanly, how long the other may take to follow before it is cut. */
const LINGER_MS = 2_000;

export interface RtmpGateOptions {
  /** Public listen address, e.g. '0.0.0.0' or '127.0.0.1'. */
  host: string;
  /** Public port; 0 picks a free one. */
  port: number;
  /** ffmpeg's internal listener on 127.0.0.1. */
  upstreamPort: number;
  /** Expected RTMP app, e.g. 'live'. */
  app: string;
  /** Expected stream key (the publish name; anything after '?' is ignored). */
  key: string;
  /** Time a client gets from connecting to a valid publish. @default 10000 */
  publishTimeoutMs?: number;
  onRefused?: (reason: string, remote: string) => void;
  onAccepted?: (remote: string) => void;
}

export interface RtmpGate {
  readonly port: number;
  close(): Promise<void>;
}

export function startRtmpGate(options: RtmpGateOptions): Promise<RtmpGate> {
  const sessions = new Set<Session>();
  let closing: Promise<void> | undefined;

  const server: Server = createServer((client) => {
    const remote = `${client.remoteAddress ?? '?'}:${client.remotePort ?? '?'}`;
    client.on('error', () => {
      // Reported through 'close'; a reset from the client is not our error.
    });
    if (closing) {
      client.destroy();
      return;
    }
    // ffmpeg's listener takes one connection per run, so a second client gets nowhere anyway;
    // turning it away here keeps it from disturbing the live one.
    if (sessions.size > 0) {
      client.destroy();
      options.onRefused?.(REFUSAL.alreadyLive, remote);
      return;
    }
    const session = new Session(client, remote, options, () => sessions.delete(session));
    sessions.add(session);
  });

  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const session of sessions) session.destroy();
    });
    return closing;
  }

  return new Promise<RtmpGate>((resolve, reject) => {
    const onListenError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`RTMP port ${options.port} on ${options.host} is already in use`)
          : error,
      );
    };
    server.once('error', onListenError);
    server.listen(options.port, options.host, () => {
      server.off('error', onListenError);
      server.on('error', () => {
        // Accept-time failures (EMFILE and the like) drop that one client, not the gate.
      });
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      resolve({ port, close });
    });
  });
}

/** One client and its upstream connection to ffmpeg. */
class Session {
  private readonly upstream: Socket;
  private readonly inspector: RtmpPublishInspector;
  private readonly timer: NodeJS.Timeout;
  private upstreamConnected = false;
  private finished = false;
  private openSockets = 2;

  constructor(
    private readonly client: Socket,
    private readonly remote: string,
    private readonly options: RtmpGateOptions,
    private readonly onEnd: () => void,
  ) {
    this.inspector = new RtmpPublishInspector(options.app, options.key);
    this.timer = setTimeout(
      () => this.refuse(REFUSAL.timeout),
      options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS,
    );
    client.setNoDelay(true);
    this.upstream = connect({ host: '127.0.0.1', port: options.upstreamPort });
    this.upstream.setNoDelay(true);
    this.wire();
  }

  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
  }

  private wire(): void {
    const { client, upstream } = this;
    upstream.on('connect', () => (this.upstreamConnected = true));
    upstream.on('error', () => {
      if (!this.upstreamConnected) this.refuse(REFUSAL.upstreamDown);
    });
    client.on('data', (data: Buffer) => this.fromClient(data));
    upstream.on('data', (data: Buffer) => {
      if (!client.write(data)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    upstream.on('drain', () => client.resume());
    // Half-closes pass through; a reset on one side resets the other.
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('close', (hadError) => this.sideClosed(upstream, hadError));
    upstream.on('close', (hadError) => this.sideClosed(client, hadError));
  }

  private fromClient(data: Buffer): void {
    const verdict = this.inspector.push(data);
    if (verdict.action === 'refuse') {
      this.refuse(verdict.reason);
      return;
    }
    if (verdict.action === 'accept') {
      clearTimeout(this.timer);
      this.options.onAccepted?.(this.remote);
    }
    if (verdict.bytes.length > 0 && !this.upstream.write(verdict.bytes)) this.client.pause();
  }

  private refuse(reason: string): void {
    if (this.finished || this.inspector.state === 'accepted') return;
    this.finished = true;
    clearTimeout(this.timer);
    this.destroy();
    this.options.onRefused?.(reason, this.remote);
  }

  private sideClosed(other: Socket, hadError: boolean): void {
    if (hadError) other.destroy();
    else setTimeout(() => other.destroy(), LINGER_MS).unref();
    this.openSockets -= 1;
    if (this.openSockets === 0) {
      this.finished = true;
      clearTimeout(this.timer);
      this.onEnd();
    }
  }
}
