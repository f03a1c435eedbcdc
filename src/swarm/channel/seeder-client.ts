/**
 * The seeder's channel API, from the outside: what the CLI, subscribers and the pages call. Reads
 * return envelopes already decoded and signature-checked; whether they are *new* is the caller's
 * trust state's business. Bodies from the network are size-limited before they are parsed.
 */
import { MAX_ENVELOPE_BYTES, type SignedEnvelope } from '../../contracts/channel.js';
import { ChannelError } from './channel-error.js';
import { decodeEnvelope } from './envelope.js';

export interface ChannelInfo {
  id: string;
  name: string;
  nextSeq: number;
  release: { version: string; seq: number; infoHash: string } | null;
  news: number;
  tracker: string | null;
  /** The seeder's own BitTorrent client (`host:port`), dialled directly by subscribers. */
  peer: string | null;
  dht: string | null;
  webSeed: string | null;
}

const MAX_LIST_BYTES = 64 * MAX_ENVELOPE_BYTES;

export class SeederClient {
  constructor(
    readonly base: string,
    private readonly token?: string,
  ) {}

  private url(path: string): string {
    return new URL(path, this.base).toString();
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}`, ...extra } : extra;
  }

  private async request(path: string, init: RequestInit = {}, limit = MAX_LIST_BYTES) {
    let response: Response;
    try {
      response = await fetch(this.url(path), {
        ...init,
        signal: init.signal ?? AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new Error(`cannot reach the seeder at ${this.base}: ${(error as Error).message}`);
    }
    const body = await readLimited(response, limit);
    return { response, body };
  }

  /** JSON from the seeder; a refusal becomes an Error with the seeder's own explanation. */
  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const { response, body } = await this.request(path, init);
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      throw new Error(`the seeder answered ${response.status} with something that is not JSON`);
    }
    if (!response.ok) {
      const { error, reason } = value as { error?: string; reason?: string };
      const message = `the seeder refused (${response.status}): ${error ?? 'no reason given'}`;
      throw reason ? new ChannelError(reason as never, message) : new Error(message);
    }
    return value as T;
  }

  info(id: string, signal?: AbortSignal): Promise<ChannelInfo> {
    return this.json(`/api/channels/${id}`, signal ? { signal } : {});
  }

  register(name: string, publicKey: string, proof: string): Promise<ChannelInfo> {
    return this.json('/api/channels', {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ name, publicKey, proof }),
    });
  }

  /** The newest release, or undefined if the channel has none yet. */
  async release(id: string, signal?: AbortSignal): Promise<SignedEnvelope | undefined> {
    const { response, body } = await this.request(
      `/api/channels/${id}/release`,
      signal ? { signal } : {},
      MAX_ENVELOPE_BYTES,
    );
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`the seeder answered ${response.status} for the release`);
    return decodeEnvelope(body);
  }

  async torrent(id: string, signal?: AbortSignal): Promise<Uint8Array> {
    const response = await fetch(this.url(`/api/channels/${id}/release.torrent`), {
      signal: signal ?? AbortSignal.timeout(30_000),
    });
    if (!response.ok) throw new Error(`the seeder answered ${response.status} for the torrent`);
    return new Uint8Array(await response.arrayBuffer());
  }

  /** A list endpoint (news, rotations): every entry decoded and checked, oldest first. */
  async envelopes(id: string, list: 'news' | 'rotations'): Promise<SignedEnvelope[]> {
    const texts = await this.json<unknown>(`/api/channels/${id}/${list}`);
    if (!Array.isArray(texts)) throw new Error(`the seeder sent a malformed ${list} list`);
    return texts.map((text) => decodeEnvelope(String(text)));
  }

  /**
   * The seeder's push of new envelopes (server-sent events), each decoded and checked; ends when
   * the connection does. A line longer than an envelope ends it too.
   */
  async *events(id: string, signal: AbortSignal): AsyncGenerator<SignedEnvelope> {
    const response = await fetch(this.url(`/api/channels/${id}/events`), { signal });
    if (!response.ok || !response.body)
      throw new Error(`events: the seeder answered ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += value;
      if (buffer.length > 2 * MAX_ENVELOPE_BYTES) throw new Error('events: oversized message');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = message
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (data) yield decodeEnvelope(data);
      }
    }
  }

  async post(id: string, list: 'news' | 'rotations' | 'releases', body: object): Promise<void> {
    await this.json(`/api/channels/${id}/${list}`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify(body),
    });
  }

  async hasUpload(sha256: string): Promise<boolean> {
    const response = await fetch(this.url(`/api/uploads/${sha256}`), {
      method: 'HEAD',
      headers: this.headers(),
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status === 401) throw new Error('the seeder refused the admin token');
    return response.ok;
  }

  /** Uploads one release file; `body` is streamed (Node: a ReadableStream of the file). */
  async upload(sha256: string, length: number, body: ReadableStream<Uint8Array>): Promise<void> {
    await this.json(`/api/uploads/${sha256}`, {
      method: 'PUT',
      headers: this.headers({
        'content-type': 'application/octet-stream',
        'content-length': String(length),
      }),
      body,
      signal: AbortSignal.timeout(60 * 60_000),
      // Node's fetch needs this to stream a request body.
      ...({ duplex: 'half' } as object),
    });
  }
}

async function readLimited(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > limit) throw new Error(`the seeder's answer is larger than ${limit} bytes`);
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new Error(`the seeder's answer is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}
