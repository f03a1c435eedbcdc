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
  /** How long a publisher may wait for ffmpeg's listener to come up. @default 5000 */
  upstreamWaitMs?: number;
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
    if ([...sessions].some((session) => session.publisherConnected)) {
      client.destroy();
      options.onRefused?.(REFUSAL.alreadyLive, remote);
      return;
    }
    // A session whose publisher has left only holds ffmpeg's side while it winds down: a
    // publisher that reconnects at once (OBS after a network blip) must not be refused for it.
    for (const stale of sessions) stale.destroy();
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

/**
 * How long a publisher may wait for ffmpeg's listener: it takes one connection per run and is
 * restarted after each, so a publisher that reconnects at once can arrive before it listens.
 */
const UPSTREAM_WAIT_MS = 5_000;
const UPSTREAM_RETRY_MS = 100;
/** What is held for ffmpeg while it is not listening; past this the publisher waits. */
const EARLY_LIMIT_BYTES = 4 * 1024 * 1024;

/** One client and its upstream connection to ffmpeg. */
class Session {
  private upstream: Socket;
  private readonly inspector: RtmpPublishInspector;
  private readonly timer: NodeJS.Timeout;
  private readonly upstreamDeadline: number;
  /** Bytes for ffmpeg that arrived before its listener answered. */
  private readonly early: Buffer[] = [];
  private earlyBytes = 0;
  private upstreamConnected = false;
  private finished = false;
  private clientClosed = false;
  private upstreamClosed = false;
  private ended = false;

  constructor(
    private readonly client: Socket,
    private readonly remote: string,
    private readonly options: RtmpGateOptions,
    private readonly onEnd: () => void,
  ) {
    this.inspector = new RtmpPublishInspector(options.app, options.key);
    this.upstreamDeadline = Date.now() + (options.upstreamWaitMs ?? UPSTREAM_WAIT_MS);
    this.timer = setTimeout(
      () => this.refuse(REFUSAL.timeout),
      options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS,
    );
    client.setNoDelay(true);
    this.upstream = this.dialUpstream();
    this.wireClient();
  }

  /** The publisher's connection is still open (its stream may go on). */
  get publisherConnected(): boolean {
    return !this.clientClosed;
  }

  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
  }

  private dialUpstream(): Socket {
    const upstream = connect({ host: '127.0.0.1', port: this.options.upstreamPort });
    upstream.setNoDelay(true);
    let retrying = false;
    upstream.once('connect', () => {
      this.upstreamConnected = true;
      for (const bytes of this.early.splice(0)) upstream.write(bytes);
      this.earlyBytes = 0;
      this.client.resume();
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (this.upstreamConnected || this.finished) return;
      if (error.code === 'ECONNREFUSED' && Date.now() < this.upstreamDeadline) {
        retrying = true;
        setTimeout(() => {
          if (this.finished || this.clientClosed) {
            // The publisher left (or was refused) while ffmpeg was not listening yet.
            this.upstreamClosed = true;
            this.endIfClosed();
          } else {
            this.upstream = this.dialUpstream();
          }
        }, UPSTREAM_RETRY_MS);
        return;
      }
      this.refuse(REFUSAL.upstreamDown);
    });
    upstream.on('data', (data: Buffer) => {
      if (!this.client.write(data)) upstream.pause();
    });
    upstream.on('drain', () => this.client.resume());
    upstream.on('end', () => this.client.end());
    upstream.on('close', (hadError) => {
      if (retrying) return;
      this.upstreamClosed = true;
      this.sideClosed(this.client, hadError);
    });
    return upstream;
  }

  private wireClient(): void {
    const { client } = this;
    client.on('data', (data: Buffer) => this.fromClient(data));
    client.on('drain', () => this.upstream.resume());
    // Half-closes pass through; a reset on one side resets the other.
    client.on('end', () => this.upstream.end());
    client.on('close', (hadError) => {
      this.clientClosed = true;
      this.sideClosed(this.upstream, hadError);
    });
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
    if (verdict.bytes.length === 0) return;
    if (!this.upstreamConnected) {
      this.early.push(verdict.bytes);
      this.earlyBytes += verdict.bytes.length;
      if (this.earlyBytes > EARLY_LIMIT_BYTES) this.client.pause();
    } else if (!this.upstream.write(verdict.bytes)) this.client.pause();
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
    this.endIfClosed();
  }

  private endIfClosed(): void {
    if (this.ended || !this.clientClosed || !this.upstreamClosed) return;
    this.ended = true;
    this.finished = true;
    clearTimeout(this.timer);
    this.onEnd();
  }
}
