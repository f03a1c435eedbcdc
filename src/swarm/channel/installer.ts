/**
 * Installs a verified release, Node only. Files are streamed through the manifest's length and
 * SHA-256 checks into a temp directory, fsynced, and renamed to `<into>/<version>/`; then
 * `<into>/current` is switched by renaming a fresh symlink over it. Each step is atomic, so after a
 * crash at any point `current` is absent or names a complete install, and a re-run resumes: temp
 * leftovers are removed and a complete `<version>/` is reused after re-checking its bytes.
 *
 * The tree is laid out as signed: relative paths, empty files and folders, executable modes.
 * Every path is checked again here and must resolve inside `<version>/`; files are created with
 * O_EXCL and O_NOFOLLOW and read back with O_NOFOLLOW, and a reused install holding a link or
 * special file is not reused, so no symlink is ever followed.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  lstat,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readlink,
  rename,
  rm,
  symlink,
} from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { ReleaseFile, ReleaseManifest } from '../../contracts/channel.js';
import { RuntimeError } from '../../errors.js';
import { fsyncPath } from './atomic-fs.js';
import { ChannelError } from './channel-error.js';
import { parseReleaseManifest } from './envelope-schema.js';
import { verifyFileChunks } from './file-check.js';
import { lockInstallDir } from './install-lock.js';

export const CURRENT_LINK = 'current';
/** Prefixes of the installer's own temporaries; versions cannot start with a dot. */
const TEMP_DIR_PREFIX = '.tmp-';
const TEMP_LINK_PREFIX = '.current-';
const TRASH_PREFIX = '.trash-';
/** Before the umask, as `cp` and `tar` create them. */
const FILE_MODE = 0o644;
const EXECUTABLE_MODE = 0o755;
const WRITE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const READ_NO_LINK = constants.O_RDONLY | constants.O_NOFOLLOW;

/** The bytes of one release file, from peers, a web seed or a staging directory. */
export type FileSource = (file: ReleaseFile, signal?: AbortSignal) => AsyncIterable<Uint8Array>;

export type InstallProgress =
  | { phase: 'checking'; version: string }
  | { phase: 'file'; path: string; bytes: number; length: number }
  | { phase: 'installed'; dir: string }
  | { phase: 'switching'; version: string }
  | { phase: 'switched'; version: string };

export interface InstallOptions {
  manifest: ReleaseManifest;
  /** The install directory: holds `<version>/` directories and the `current` link. */
  into: string;
  source: FileSource;
  signal?: AbortSignal;
  onProgress?: (event: InstallProgress) => void;
}

export interface InstallResult {
  version: string;
  /** `<into>/<version>`. */
  dir: string;
  /** True if a complete install of this version was already there. */
  reused: boolean;
}

/**
 * Reads each file from `<dir>/<path>`: for files downloaded before the install. An empty file is
 * not read at all, since a torrent client need not create one.
 */
export function stagingDirSource(dir: string): FileSource {
  return (file, signal) =>
    file.length === 0 ? emptySource() : readNoFollow(insideDir(dir, file.path), signal);
}

/** The bytes of `path`, refused (ELOOP) if its last part is a symlink. */
async function* readNoFollow(path: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const handle = await open(path, READ_NO_LINK);
  // The stream closes the handle when it ends or is destroyed.
  yield* handle.createReadStream({ signal }) as AsyncIterable<Uint8Array>;
}

async function* emptySource(): AsyncGenerator<Uint8Array> {}

/**
 * `<dir>/<path>`, refused unless it resolves inside `dir`. The manifest's paths were checked
 * already (no `..`, no absolute path); this holds even if that check were ever loosened.
 */
function insideDir(dir: string, path: string): string {
  const root = resolve(dir);
  const target = resolve(root, ...path.split('/'));
  if (!target.startsWith(root + sep))
    throw new ChannelError('malformed', `${path}: resolves outside the install folder`);
  return target;
}

/** The version `<into>/current` names, or undefined if there is none yet. */
export async function currentVersion(into: string): Promise<string | undefined> {
  try {
    return await readlink(join(into, CURRENT_LINK));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Verifies and installs `manifest`'s files, then points `current` at them. On any mismatch
 * (ChannelError 'too-long', 'length-mismatch', 'hash-mismatch') nothing is installed and
 * `current` is unchanged. ChannelError('version-conflict') if `<version>/` exists with other
 * content while `current` names it.
 */
export async function installRelease(options: InstallOptions): Promise<InstallResult> {
  // Re-checked here: the manifest's names become paths on this disk.
  const manifest = parseReleaseManifest(options.manifest, 'manifest');
  const { into, signal } = options;
  const progress = options.onProgress ?? (() => undefined);
  await mkdir(into, { recursive: true });
  const unlock = await lockInstallDir(into);
  try {
    await removeLeftovers(into);
    const dir = join(into, manifest.version);
    progress({ phase: 'checking', version: manifest.version });
    const reused = await isCompleteInstall(dir, manifest, signal);
    if (!reused) {
      await discardStale(into, manifest.version);
      await download(options, manifest, progress);
      progress({ phase: 'installed', dir });
    }
    if ((await currentVersion(into)) !== manifest.version)
      await switchCurrent(into, manifest.version, progress);
    progress({ phase: 'switched', version: manifest.version });
    return { version: manifest.version, dir, reused };
  } finally {
    await unlock();
  }
}

async function removeLeftovers(into: string): Promise<void> {
  const prefixes = [TEMP_DIR_PREFIX, TEMP_LINK_PREFIX, TRASH_PREFIX];
  for (const name of await readdir(into)) {
    if (prefixes.some((prefix) => name.startsWith(prefix)))
      await rm(join(into, name), { recursive: true, force: true });
  }
}

/** Moves away a `<version>/` whose content is not this manifest's, unless `current` names it. */
async function discardStale(into: string, version: string): Promise<void> {
  const dir = join(into, version);
  if (!(await exists(dir))) return;
  if ((await currentVersion(into)) === version) {
    throw new ChannelError(
      'version-conflict',
      `${dir} is the current install but differs from the signed manifest of ${version}; ` +
        'the publisher must release under a new version',
    );
  }
  const trash = await mkdtemp(join(into, TRASH_PREFIX));
  await rename(dir, join(trash, 'old'));
  await fsyncPath(into);
  await rm(trash, { recursive: true, force: true });
}

async function download(
  options: InstallOptions,
  manifest: ReleaseManifest,
  progress: (event: InstallProgress) => void,
): Promise<void> {
  const { into, signal } = options;
  // Not mkdtemp: its 0700 would become the install's mode; mkdir honours the umask like the rest.
  const temp = join(
    into,
    `${TEMP_DIR_PREFIX}${manifest.version}-${randomBytes(6).toString('hex')}`,
  );
  await mkdir(temp);
  try {
    const dirs = new Set<string>([temp]);
    const addParents = (target: string) => {
      for (let at = target; at !== temp; at = dirname(at)) dirs.add(at);
    };
    for (const file of manifest.files) {
      signal?.throwIfAborted();
      const target = insideDir(temp, file.path);
      await mkdir(dirname(target), { recursive: true });
      addParents(dirname(target));
      await writeVerified(target, file, options.source(file, signal), (bytes) =>
        progress({ phase: 'file', path: file.path, bytes, length: file.length }),
      );
    }
    for (const path of manifest.emptyDirs ?? []) {
      const target = insideDir(temp, path);
      await mkdir(target, { recursive: true });
      addParents(target);
    }
    // Deepest first, so each directory entry is durable before its parent's.
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) await fsyncPath(dir);
    await rename(temp, join(into, manifest.version));
    await fsyncPath(into);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

async function writeVerified(
  target: string,
  file: ReleaseFile,
  chunks: AsyncIterable<Uint8Array>,
  onBytes: (bytes: number) => void,
): Promise<void> {
  const handle = await open(target, WRITE_NEW, file.executable ? EXECUTABLE_MODE : FILE_MODE);
  try {
    let bytes = 0;
    for await (const chunk of verifyFileChunks(chunks, file)) {
      await handle.write(chunk);
      bytes += chunk.length;
      onBytes(bytes);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * True if `dir` holds exactly the manifest's tree: its files as regular files with the signed
 * bytes and execute bits, its empty folders, and nothing else (no link, no extra entry).
 */
async function isCompleteInstall(
  dir: string,
  manifest: ReleaseManifest,
  signal?: AbortSignal,
): Promise<boolean> {
  const stat = await lstat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) return false;
  const found = await listTree(dir);
  if (found === undefined) return false;
  const expected = [
    ...manifest.files.map((file) => `${file.path}${file.executable ? ' x' : ''}`),
    ...(manifest.emptyDirs ?? []).map((path) => `${path}/`),
  ];
  if (found.length !== expected.length) return false;
  const wanted = new Set(expected);
  if (!found.every((entry) => wanted.has(entry))) return false;
  for (const file of manifest.files) {
    try {
      await drain(verifyFileChunks(readNoFollow(join(dir, file.path), signal), file));
    } catch (error) {
      if (error instanceof ChannelError) return false;
      throw error;
    }
  }
  return true;
}

/**
 * The entries under `dir`, `/`-separated: each regular file as its path (plus ` x` if it is
 * executable), each empty folder as its path and `/`. Undefined if anything else is there.
 */
async function listTree(dir: string, prefix = ''): Promise<string[] | undefined> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.length === 0 && prefix) return [`${prefix}/`];
  for (const entry of entries) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isFile()) {
      const mode = (await lstat(join(dir, entry.name))).mode;
      out.push(`${path}${mode & 0o100 ? ' x' : ''}`);
    } else if (entry.isDirectory()) {
      const inner = await listTree(join(dir, entry.name), path);
      if (!inner) return undefined;
      out.push(...inner);
    } else return undefined;
  }
  return out;
}

async function switchCurrent(
  into: string,
  version: string,
  progress: (event: InstallProgress) => void,
): Promise<void> {
  const current = join(into, CURRENT_LINK);
  const stat = await lstat(current).catch(() => undefined);
  if (stat && !stat.isSymbolicLink())
    throw new RuntimeError(`${current} is not a symlink; move it away so it can be switched`);
  // Unique enough: the install lock keeps other installers out of this directory.
  const link = join(into, `${TEMP_LINK_PREFIX}${process.pid}-${Date.now()}`);
  await symlink(version, link);
  progress({ phase: 'switching', version });
  await rename(link, current);
  await fsyncPath(into);
}

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<void> {
  const iterator = chunks[Symbol.asyncIterator]();
  while (!(await iterator.next()).done);
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}
