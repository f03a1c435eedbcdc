/**
 * Where a torrent's web seed lives on the origin: `<base><infoHash>/`, the layout `web-seed.ts`
 * serves. Kept apart so torrent building, downloading and the browser share it without express.
 */

/** The path under which the origin mounts its web seeds. */
export const WEB_SEED_PATH = '/bulk';

/** `http://host:port/bulk/` and an info-hash → `http://host:port/bulk/<infoHash>/`. */
export function webSeedUrl(base: string, infoHash: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}${infoHash.toLowerCase()}/`;
}
