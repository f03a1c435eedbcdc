/**
 * Strict schema of envelopes and their bodies. Takes a parsed value from anywhere and returns a
 * fresh, typed copy, or throws ChannelError('malformed') naming the field. Unknown fields are
 * refused rather than ignored: a field a newer publisher signs would otherwise be silently lost.
 */
import {
  CHANNEL_NAME_PATTERN,
  ENVELOPE_VERSION,
  MAX_LINK_LENGTH,
  MAX_NEWS_TEXT_LENGTH,
  MAX_NOTES_LENGTH,
  MAX_RELEASE_FILES,
  type EnvelopeHeader,
  type EnvelopeKind,
  type KeyRotation,
  type NewsItem,
  type ReleaseFile,
  type ReleaseManifest,
  type SignedEnvelope,
  type UnsignedEnvelope,
} from '../../contracts/channel.js';
import { ChannelError } from './channel-error.js';
import { pathProblem, treeProblem, versionProblem } from './release-paths.js';

const KINDS: readonly EnvelopeKind[] = ['release', 'news', 'key-rotation'];
const HEADER_FIELDS = ['v', 'channel', 'name', 'seq', 'issued', 'expires', 'kind', 'signer'];
const LOWER_HEX = /^[0-9a-f]*$/;

function refuse(path: string, problem: string): never {
  throw new ChannelError('malformed', `${path || 'envelope'}: ${problem}`);
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** The object at `path` with exactly the `required` fields and any of the `optional` ones. */
function fields(
  value: unknown,
  path: string,
  required: readonly string[],
  optional: readonly string[] = [],
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    refuse(path, 'must be an object');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!required.includes(key) && !optional.includes(key))
      refuse(join(path, key), 'unknown field');
  }
  for (const key of required) {
    if (!Object.hasOwn(record, key)) refuse(join(path, key), 'missing');
  }
  return record;
}

function text(value: unknown, path: string, max: number, min = 1): string {
  if (typeof value !== 'string') refuse(path, 'must be a string');
  if (value.length < min || value.length > max) refuse(path, `must be ${min}-${max} characters`);
  return value;
}

function integer(value: unknown, path: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    refuse(path, `must be an integer of at least ${min}`);
  return value;
}

/** Lowercase hex of exactly `bytes` bytes: one spelling per key, so keys compare as strings. */
export function hex(value: unknown, path: string, bytes: number): string {
  if (typeof value !== 'string' || value.length !== bytes * 2 || !LOWER_HEX.test(value))
    refuse(path, `must be ${bytes * 2} lowercase hex digits`);
  return value;
}

function releaseFile(value: unknown, path: string): ReleaseFile {
  const raw = fields(value, path, ['path', 'length', 'sha256'], ['executable']);
  const file: ReleaseFile = {
    path: relativePath(raw.path, `${path}.path`),
    length: integer(raw.length, `${path}.length`, 0),
    sha256: hex(raw.sha256, `${path}.sha256`, 32),
  };
  // One spelling per meaning: `false` would sign the same thing as leaving the field out.
  if (raw.executable !== undefined) {
    if (raw.executable !== true) refuse(`${path}.executable`, 'must be true, or absent');
    file.executable = true;
  }
  return file;
}

function relativePath(value: unknown, path: string): string {
  if (typeof value !== 'string') refuse(path, 'must be a string');
  const problem = pathProblem(value);
  if (problem) refuse(path, problem);
  return value;
}

function emptyDirs(value: unknown, path: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_RELEASE_FILES)
    refuse(path, `must be a list of 1-${MAX_RELEASE_FILES} folders, or absent`);
  const dirs = (value as unknown[]).map((dir, i) => relativePath(dir, `${path}[${i}]`));
  for (let i = 1; i < dirs.length; i++) {
    if (dirs[i - 1]! >= dirs[i]!) refuse(path, 'must be sorted, each folder once');
  }
  return dirs;
}

export function parseReleaseManifest(value: unknown, path = 'body'): ReleaseManifest {
  const raw = fields(value, path, ['version', 'files', 'infoHash'], ['notes', 'emptyDirs']);
  if (typeof raw.version !== 'string') refuse(`${path}.version`, 'must be a string');
  const problem = versionProblem(raw.version);
  if (problem) refuse(`${path}.version`, problem);
  if (!Array.isArray(raw.files) || raw.files.length === 0 || raw.files.length > MAX_RELEASE_FILES)
    refuse(`${path}.files`, `must be a list of 1-${MAX_RELEASE_FILES} files`);
  const files = (raw.files as unknown[]).map((file, i) => releaseFile(file, `${path}.files[${i}]`));
  const dirs =
    raw.emptyDirs === undefined ? undefined : emptyDirs(raw.emptyDirs, `${path}.emptyDirs`);
  const clash = treeProblem(
    files.map((file) => file.path),
    dirs ?? [],
  );
  if (clash) refuse(dirs ? path : `${path}.files`, clash);
  const manifest: ReleaseManifest = {
    version: raw.version,
    files,
    infoHash: hex(raw.infoHash, `${path}.infoHash`, 20),
  };
  if (dirs) manifest.emptyDirs = dirs;
  if (raw.notes !== undefined) manifest.notes = text(raw.notes, `${path}.notes`, MAX_NOTES_LENGTH);
  return manifest;
}

function httpUrl(value: unknown, path: string): string {
  const link = text(value, path, MAX_LINK_LENGTH);
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    refuse(path, 'must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse(path, 'must be http or https');
  return link;
}

function newsItem(value: unknown, path: string): NewsItem {
  const raw = fields(value, path, ['text'], ['link']);
  const item: NewsItem = { text: text(raw.text, `${path}.text`, MAX_NEWS_TEXT_LENGTH) };
  if (raw.link !== undefined) item.link = httpUrl(raw.link, `${path}.link`);
  return item;
}

function keyRotation(value: unknown, path: string, signer: string): KeyRotation {
  const raw = fields(value, path, ['newKey']);
  const newKey = hex(raw.newKey, `${path}.newKey`, 32);
  if (newKey === signer) refuse(`${path}.newKey`, 'must differ from the signing key');
  return { newKey };
}

function header(raw: Record<string, unknown>): EnvelopeHeader {
  if (raw.v !== ENVELOPE_VERSION) refuse('v', `must be ${ENVELOPE_VERSION}`);
  if (typeof raw.name !== 'string' || !CHANNEL_NAME_PATTERN.test(raw.name))
    refuse('name', 'must be 1-64 of [a-z0-9._-]');
  const issued = integer(raw.issued, 'issued', 0);
  const expires = integer(raw.expires, 'expires', 0);
  if (expires <= issued) refuse('expires', 'must be after issued');
  return {
    v: ENVELOPE_VERSION,
    channel: hex(raw.channel, 'channel', 32),
    name: raw.name,
    seq: integer(raw.seq, 'seq', 1),
    issued,
    expires,
    signer: hex(raw.signer, 'signer', 32),
  };
}

function envelope(value: unknown, signed: boolean): SignedEnvelope | UnsignedEnvelope {
  const required = ['body', ...HEADER_FIELDS, ...(signed ? ['sig'] : [])];
  const raw = fields(value, '', required);
  const head = header(raw);
  const kind = raw.kind as EnvelopeKind;
  if (!KINDS.includes(kind)) refuse('kind', `must be one of ${KINDS.join(', ')}`);
  let unsigned: UnsignedEnvelope;
  if (kind === 'release') unsigned = { ...head, kind, body: parseReleaseManifest(raw.body) };
  else if (kind === 'news') unsigned = { ...head, kind, body: newsItem(raw.body, 'body') };
  else unsigned = { ...head, kind, body: keyRotation(raw.body, 'body', head.signer) };
  return signed ? { ...unsigned, sig: hex(raw.sig, 'sig', 64) } : unsigned;
}

export function parseSignedEnvelope(value: unknown): SignedEnvelope {
  return envelope(value, true) as SignedEnvelope;
}

export function parseUnsignedEnvelope(value: unknown): UnsignedEnvelope {
  return envelope(value, false);
}
