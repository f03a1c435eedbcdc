/** Small fetch helpers for tests: every request is bounded in time. */
export async function getText(
  url: string,
  timeoutMs = 5_000,
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, text: await response.text() };
}

export async function getBytes(url: string, timeoutMs = 5_000): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

export async function getJson<T>(url: string, timeoutMs = 5_000): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
  );
}

/** The live playlist of `stream` once it lists at least `segments` media segments. */
export function playlistWithSegments(
  base: string,
  segments = 1,
  timeoutMs = 20_000,
  stream = 'main',
): Promise<string> {
  return eventually(
    async () => {
      const { status, text } = await getText(`${base}/live/${stream}/index.m3u8`);
      return status === 200 && (text.match(/\.m4s$/gm)?.length ?? 0) >= segments ? text : undefined;
    },
    timeoutMs,
    `a playlist with ${segments} segment(s)`,
  );
}

/**
 * The bytes of the newest init segment a playlist names (`#EXT-X-MAP`), as latin1 text so a
 * test can look for box and codec names in it.
 */
export async function newestInitSegment(
  base: string,
  playlist: string,
  stream = 'main',
): Promise<string> {
  const uri = newestInitUri(playlist);
  if (!uri) throw new Error('the playlist names no init segment');
  return Buffer.from(await getBytes(`${base}/live/${stream}/${uri}`)).toString('latin1');
}

/** The URI of the last `#EXT-X-MAP` in a playlist: the init segment its newest segments use. */
export function newestInitUri(playlist: string): string | undefined {
  return [...playlist.matchAll(/#EXT-X-MAP:URI="([^"]+)"/g)].at(-1)?.[1];
}
