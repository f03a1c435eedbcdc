/**
 * What the channel pages fetch from the seeder that serves them. Envelopes come back as raw wire
 * text, not decoded: each one is verified on its own by the page, so one bad entry is listed as
 * refused instead of failing the whole list (as SeederClient.envelopes would).
 */
import { MAX_ENVELOPE_BYTES } from '../contracts/channel.js';
import type { ChannelInfo } from '../swarm/channel/seeder-client.js';

/** The API answers with at most 50 news items; anything much larger is not a list we asked for. */
const MAX_LIST_CHARS = 64 * MAX_ENVELOPE_BYTES;
const TIMEOUT_MS = 30_000;
const CHANNEL_ID = /^[0-9a-f]{64}$/;

/** The channel id of a page at `/<page>/<channel-id>`, or undefined if the path has none. */
export function channelIdFromPath(pathname: string): string | undefined {
  const id = pathname.split('/')[2]?.toLowerCase();
  return id && CHANNEL_ID.test(id) ? id : undefined;
}

async function get(path: string, signal?: AbortSignal): Promise<Response> {
  return fetch(path, {
    cache: 'no-store',
    signal: signal
      ? AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)])
      : AbortSignal.timeout(TIMEOUT_MS),
  });
}

async function limitedText(response: Response, limit: number): Promise<string> {
  if (Number(response.headers.get('content-length') ?? 0) > limit)
    throw new Error(`the seeder's answer is larger than ${limit} bytes`);
  const text = await response.text();
  if (text.length > limit) throw new Error(`the seeder's answer is larger than ${limit} bytes`);
  return text;
}

/** A refusal from the API as an Error carrying the seeder's own explanation. */
async function refused(response: Response, what: string): Promise<Error> {
  const body = (await response.json().catch(() => ({}))) as { error?: unknown };
  const detail = typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
  return new Error(`the seeder refused ${what}: ${detail}`);
}

export async function fetchChannelInfo(id: string, signal?: AbortSignal): Promise<ChannelInfo> {
  const response = await get(`/api/channels/${id}`, signal);
  if (!response.ok) throw await refused(response, 'the channel summary');
  return JSON.parse(await limitedText(response, MAX_ENVELOPE_BYTES)) as ChannelInfo;
}

/** The wire text of each envelope of a list, oldest first. */
export async function fetchEnvelopeTexts(
  id: string,
  list: 'news' | 'rotations',
  signal?: AbortSignal,
): Promise<string[]> {
  const response = await get(`/api/channels/${id}/${list}`, signal);
  if (!response.ok) throw await refused(response, `the ${list} list`);
  const value: unknown = JSON.parse(await limitedText(response, MAX_LIST_CHARS));
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string'))
    throw new Error(`the seeder sent a malformed ${list} list`);
  return value;
}

/** The newest release's wire text, or undefined if the channel has released nothing yet. */
export async function fetchReleaseText(
  id: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const response = await get(`/api/channels/${id}/release`, signal);
  if (response.status === 404) return undefined;
  if (!response.ok) throw await refused(response, 'the release');
  return limitedText(response, MAX_ENVELOPE_BYTES);
}

/** The release's .torrent; it is checked against the signed info-hash by the caller. */
export async function fetchReleaseTorrent(id: string, signal?: AbortSignal): Promise<Uint8Array> {
  const response = await get(`/api/channels/${id}/release.torrent`, signal);
  if (!response.ok) throw new Error(`the seeder answered ${response.status} for the torrent`);
  return new Uint8Array(await response.arrayBuffer());
}
