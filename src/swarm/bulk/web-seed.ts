/**
 * The origin's web seed (BEP 19), an express router: `GET /bulk/<infoHash>/<name>/<path>` serves
 * one file of a registered torrent, with Range. WebTorrent 3 asks for `<url><name>/<path>` when a
 * torrent has several files and for the bare `<url>` when it has one, so both are answered; a
 * single-file torrent is also served at `<url><name>`. Only files the lookup lists are served, so
 * no URL reaches anything else on disk; `..` and friends are refused before the lookup. Every body
 * byte is reported to `onServed`, because the origin's egress is what the swarm exists to save,
 * and can be paced by `pace`, so an upload limit covers the web seed too.
 */
import express, { type Request, type Response, type Router } from 'express';
import { open } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { parseByteRange } from './byte-range.js';
import { WEB_SEED_PATH } from './web-seed-url.js';

export interface WebSeedTorrent {
  /** Holds the content as WebTorrent stores it: `<dir>/<name>/<path>`, or `<dir>/<name>`. */
  dir: string;
  name: string;
  /** Paths inside `<dir>/<name>/`, `/`-separated; omitted for a single-file torrent. */
  files?: readonly string[];
}

export interface WebSeedRouterOptions {
  /** The torrent registered under a lowercase hex info-hash, if any. */
  lookup: (infoHash: string) => WebSeedTorrent | undefined;
  /** Called as body bytes are sent. */
  onServed?: (infoHash: string, bytes: number) => void;
  /** Awaited before each body chunk goes out: the origin's upload limit, shared with its peers. */
  pace?: (bytes: number) => Promise<void>;
  logger?: Logger;
}

const INFO_HASH = /^[0-9a-f]{40}$/;
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Accept-Ranges, Content-Length, Content-Range',
};

/** The web-seed entry of a release installed (or staged) as `<dir>/<version>/<path>`. */
export function releaseWebSeed(
  dir: string,
  release: { version: string; files: readonly { path: string }[] },
): WebSeedTorrent {
  return { dir, name: release.version, files: release.files.map((file) => file.path) };
}

export function createWebSeedRouter(options: WebSeedRouterOptions): Router {
  const logger = options.logger ?? silentLogger;
  const router = express.Router();
  router.use(WEB_SEED_PATH, (req, res, next) => {
    if (req.method === 'OPTIONS') {
      // Browsers preflight: WebTorrent sends Range and Cache-Control.
      res
        .set(CORS_HEADERS)
        .set('Access-Control-Allow-Methods', 'GET, HEAD')
        .set('Access-Control-Allow-Headers', 'Range, Cache-Control')
        .status(204)
        .end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    serve(req, res, options).catch((error: unknown) => {
      logger.warn(`web seed ${req.originalUrl}: ${(error as Error).message}`);
      if (!res.headersSent) res.status(500).type('text/plain').send('cannot read that file\n');
      else res.destroy();
    });
  });
  return router;
}

type Target = { infoHash: string; file: string } | { status: 400 | 404; message: string };

/** Maps the path after `/bulk` to a file, or says why not. */
export function webSeedTarget(path: string, lookup: WebSeedRouterOptions['lookup']): Target {
  const [, infoHash = '', ...raw] = path.split('/');
  if (!INFO_HASH.test(infoHash)) return { status: 404, message: 'no such torrent' };
  // A trailing slash (the bare web-seed URL) names no segment.
  if (raw.length === 1 && raw[0] === '') raw.pop();
  const segments: string[] = [];
  for (const segment of raw) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { status: 400, message: 'bad percent-encoding' };
    }
    if (decoded === '' || decoded === '.' || decoded === '..' || /[/\\\0]/.test(decoded))
      return { status: 400, message: 'path traversal refused' };
    segments.push(decoded);
  }
  const torrent = lookup(infoHash);
  if (!torrent) return { status: 404, message: 'no such torrent' };
  const relative = fileOf(torrent, segments);
  if (relative === undefined) return { status: 404, message: 'no such file in that torrent' };
  const root = resolve(torrent.dir);
  const file = resolve(root, relative);
  // Unreachable with the checks above; kept so a future lookup bug cannot leak files.
  if (!file.startsWith(root + sep)) return { status: 400, message: 'path traversal refused' };
  return { infoHash, file };
}

/** The file's path relative to `torrent.dir`, if the segments name one of its files. */
function fileOf(torrent: WebSeedTorrent, segments: readonly string[]): string | undefined {
  const { name, files } = torrent;
  if (files === undefined) {
    // Single-file: the bare URL (WebTorrent) or the URL plus the name (BEP 19).
    const asked = segments.length === 0 ? name : segments.length === 1 ? segments[0] : undefined;
    return asked === name ? name : undefined;
  }
  // WebTorrent asks for a one-file torrent at the bare URL too, even in the multi-file layout.
  if (segments.length === 0) return files.length === 1 ? `${name}/${files[0]}` : undefined;
  if (segments[0] !== name) return undefined;
  const path = segments.slice(1).join('/');
  return files.includes(path) ? `${name}/${path}` : undefined;
}

async function serve(req: Request, res: Response, options: WebSeedRouterOptions): Promise<void> {
  res.set(CORS_HEADERS);
  const target = webSeedTarget(req.path, options.lookup);
  if ('status' in target) {
    res.status(target.status).type('text/plain').send(`${target.message}\n`);
    return;
  }
  const handle = await open(target.file, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!handle) {
    res.status(404).type('text/plain').send('registered but not on disk\n');
    return;
  }
  let streaming = false;
  try {
    const { size } = await handle.stat();
    const range = parseByteRange(req.headers.range, size);
    // Content under an info-hash never changes.
    res.set({
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'public, max-age=31536000, immutable',
      'Content-Type': 'application/octet-stream',
    });
    if (range.kind === 'refused') {
      res.status(416).set('Content-Range', `bytes */${size}`).end();
      return;
    }
    const start = range.kind === 'range' ? range.start : 0;
    const end = range.kind === 'range' ? range.end : size - 1;
    if (range.kind === 'range')
      res.status(206).set('Content-Range', `bytes ${start}-${end}/${size}`);
    res.set('Content-Length', String(end - start + 1));
    if (req.method === 'HEAD' || end < start) {
      res.end();
      return;
    }
    streaming = true;
    const { infoHash } = target;
    const { onServed, pace } = options;
    await pipeline(
      handle.createReadStream({ start, end }),
      async function* paceAndCount(chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          if (pace) await pace(chunk.length);
          onServed?.(infoHash, chunk.length);
          yield chunk;
        }
      },
      res,
    ).catch((error: NodeJS.ErrnoException) => {
      // The client going away mid-body is normal (WebTorrent cancels requests it no longer needs).
      if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
    });
  } finally {
    // The read stream closes the handle itself once it has been created.
    if (!streaming) await handle.close();
  }
}
