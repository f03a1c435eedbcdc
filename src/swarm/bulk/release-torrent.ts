/**
 * Builds the BitTorrent v1 torrent of a release, Node only. Deterministic: the info dictionary
 * holds only name, files (in manifest order), piece length (a function of the total size) and
 * piece hashes, so every machine that builds the same files gets the same info-hash, and the
 * publisher can sign it in the manifest before any seeder has the files. Always a multi-file
 * torrent, even for one file, so each file keeps its relative path under `<name>/`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pathProblem, pathSetProblem, versionProblem } from '../channel/release-paths.js';
import { bencode, type BencodeValue } from './bencode.js';
import { BulkError } from './bulk-error.js';
import { webSeedUrl } from './web-seed-url.js';

/** Small pieces spread through a swarm sooner; below this the per-piece overhead dominates. */
export const MIN_PIECE_LENGTH = 64 * 1024;
/** Every downloader holds a few pieces in memory, so their size is capped. */
export const MAX_PIECE_LENGTH = 4 * 1024 * 1024;
/** Piece length doubles until the torrent has at most this many pieces (or hits the cap). */
const TARGET_PIECES = 1024;

export interface ReleaseTorrentFile {
  /** Relative, `/`-separated: the manifest's path. */
  path: string;
  /** Where the bytes are on this machine. */
  absPath: string;
}

export interface ReleaseTorrentInput {
  /** The release version: the torrent's name and the directory its files download into. */
  name: string;
  /** In manifest order. */
  files: readonly ReleaseTorrentFile[];
  /** Origin bases such as `http://seeder:8080/bulk/`; the torrent lists `<base><infoHash>/`. */
  webSeeds?: readonly string[];
  /** Tracker announce URLs, one tier each. */
  announce?: readonly string[];
  signal?: AbortSignal;
}

export interface ReleaseTorrent {
  torrentFile: Uint8Array;
  /** Lowercase hex. */
  infoHash: string;
  length: number;
  pieceLength: number;
}

/** The piece length of a torrent of `totalLength` bytes. */
export function releasePieceLength(totalLength: number): number {
  let pieceLength = MIN_PIECE_LENGTH;
  while (pieceLength < MAX_PIECE_LENGTH && totalLength > pieceLength * TARGET_PIECES)
    pieceLength *= 2;
  return pieceLength;
}

export async function createReleaseTorrent(input: ReleaseTorrentInput): Promise<ReleaseTorrent> {
  checkNames(input);
  const lengths = await Promise.all(input.files.map((file) => fileLength(file.absPath)));
  const length = lengths.reduce((sum, each) => sum + each, 0);
  if (length === 0) throw new BulkError('invalid-release', 'a release must hold at least one byte');
  const pieceLength = releasePieceLength(length);
  const pieces = await hashPieces(input.files, lengths, pieceLength, input.signal);
  const info: BencodeValue = {
    files: input.files.map((file, i) => ({ length: lengths[i] ?? 0, path: file.path.split('/') })),
    name: input.name,
    'piece length': pieceLength,
    pieces,
  };
  const infoHash = createHash('sha1').update(bencode(info)).digest('hex');
  // Outside `info`, so trackers and web seeds can change without changing the info-hash.
  const torrent: Record<string, BencodeValue> = { info };
  const announce = input.announce ?? [];
  if (announce[0] !== undefined) {
    torrent.announce = announce[0];
    torrent['announce-list'] = announce.map((url) => [url]);
  }
  if (input.webSeeds?.length)
    torrent['url-list'] = input.webSeeds.map((base) => webSeedUrl(base, infoHash));
  return { torrentFile: bencode(torrent), infoHash, length, pieceLength };
}

function checkNames(input: ReleaseTorrentInput): void {
  const versionIssue = versionProblem(input.name);
  if (versionIssue) throw new BulkError('invalid-release', `name "${input.name}" ${versionIssue}`);
  if (input.files.length === 0) throw new BulkError('invalid-release', 'a release needs files');
  for (const file of input.files) {
    const issue = pathProblem(file.path);
    if (issue) throw new BulkError('invalid-release', `path "${file.path}" ${issue}`);
  }
  const setIssue = pathSetProblem(input.files.map((file) => file.path));
  if (setIssue) throw new BulkError('invalid-release', setIssue);
}

async function fileLength(absPath: string): Promise<number> {
  const stats = await stat(absPath).catch(() => undefined);
  if (!stats?.isFile()) throw new BulkError('invalid-release', `${absPath} is not a readable file`);
  return stats.size;
}

/** SHA-1 of each `pieceLength` slice of the files' concatenation, concatenated. */
async function hashPieces(
  files: readonly ReleaseTorrentFile[],
  lengths: readonly number[],
  pieceLength: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const digests: Buffer[] = [];
  const piece = Buffer.allocUnsafe(pieceLength);
  let filled = 0;
  for (const [i, file] of files.entries()) {
    let read = 0;
    for await (const chunk of createReadStream(file.absPath, { signal }) as AsyncIterable<Buffer>) {
      read += chunk.length;
      for (let at = 0; at < chunk.length;) {
        const taken = chunk.copy(piece, filled, at);
        filled += taken;
        at += taken;
        if (filled === pieceLength) {
          digests.push(createHash('sha1').update(piece).digest());
          filled = 0;
        }
      }
    }
    // The length went into the info dictionary already; a file that changed would not match it.
    if (read !== lengths[i])
      throw new BulkError('invalid-release', `${file.absPath} changed while it was hashed`);
  }
  if (filled > 0) digests.push(createHash('sha1').update(piece.subarray(0, filled)).digest());
  return Buffer.concat(digests);
}
