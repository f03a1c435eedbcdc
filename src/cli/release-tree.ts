/**
 * What `channel publish --file` puts in a release: a file goes in under its base name, a folder
 * as the tree beneath it (paths relative to the folder, so `--file build/` publishes `bin/app`,
 * not `build/bin/app`). Empty files and empty folders are kept, and a file anyone may execute is
 * marked executable. Symbolic links and special files are refused, not followed: a link could
 * publish a file from outside the folder the user named.
 */
import { lstat, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { MAX_RELEASE_FILES } from '../contracts/channel.js';
import { UsageError } from '../errors.js';
import { pathProblem, treeProblem } from '../swarm/channel/release-paths.js';
import { terminalText } from '../swarm/text/terminal-text.js';

export interface ReleaseTreeFile {
  /** The manifest path: relative, `/`-separated. */
  path: string;
  /** Where the bytes are on this machine. */
  absPath: string;
  length: number;
  executable: boolean;
}

export interface ReleaseTree {
  /**
   * The order of the manifest and the torrent: by path (UTF-16 code units), empty files last.
   * WebTorrent's web-seed client asks for `bytes=0--1` when a piece spans an empty file, which
   * no server answers; at the end of the torrent no piece spans one.
   */
  files: ReleaseTreeFile[];
  /** Folders with nothing in them, sorted. */
  emptyDirs: string[];
}

/** Any execute bit: what `ls` shows as `x` for owner, group or others. */
const EXECUTE_BITS = 0o111;

const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Walks `inputs` (absolute paths, as given to `--file`). UsageError, naming the path, for a
 * missing input, a link or special file, a name a release cannot hold, two entries at one path,
 * or more than MAX_RELEASE_FILES entries.
 */
export async function collectReleaseTree(inputs: readonly string[]): Promise<ReleaseTree> {
  const tree: ReleaseTree = { files: [], emptyDirs: [] };
  for (const input of inputs) {
    const stats = await lstat(input).catch(() => undefined);
    if (!stats) throw new UsageError(`--file ${terminalText(input)}: no such file or folder`);
    if (stats.isDirectory()) {
      const before = tree.files.length + tree.emptyDirs.length;
      await walk(input, '', tree, input);
      if (tree.files.length + tree.emptyDirs.length === before)
        throw new UsageError(`--file ${terminalText(input)}: the folder is empty`);
    } else {
      add(tree, input, basename(input), stats, input);
    }
  }
  tree.files.sort(
    (a, b) => Number(a.length === 0) - Number(b.length === 0) || byPath(a.path, b.path),
  );
  tree.emptyDirs.sort(byPath);
  const clash = treeProblem(
    tree.files.map((file) => file.path),
    tree.emptyDirs,
  );
  if (clash) throw new UsageError(`--file: ${terminalText(clash)}`);
  return tree;
}

async function walk(dir: string, prefix: string, tree: ReleaseTree, input: string): Promise<void> {
  const entries = await readdir(dir);
  if (entries.length === 0 && prefix !== '') {
    checkName(prefix, dir, input);
    tree.emptyDirs.push(prefix);
    checkCount(tree, input);
    return;
  }
  for (const name of entries.sort(byPath)) {
    const absPath = join(dir, name);
    const path = prefix ? `${prefix}/${name}` : name;
    const stats = await lstat(absPath);
    if (stats.isDirectory()) await walk(absPath, path, tree, input);
    else add(tree, absPath, path, stats, input);
  }
}

function add(
  tree: ReleaseTree,
  absPath: string,
  path: string,
  stats: Awaited<ReturnType<typeof lstat>>,
  input: string,
): void {
  if (stats.isSymbolicLink())
    throw new UsageError(
      `--file ${terminalText(input)}: ${terminalText(absPath)} is a symbolic link; ` +
        'a release holds only files and folders (copy the target in instead)',
    );
  if (!stats.isFile())
    throw new UsageError(
      `--file ${terminalText(input)}: ${terminalText(absPath)} is not a regular file`,
    );
  checkName(path, absPath, input);
  tree.files.push({
    path,
    absPath,
    length: Number(stats.size),
    executable: (Number(stats.mode) & EXECUTE_BITS) !== 0,
  });
  checkCount(tree, input);
}

/** The same check every subscriber and page applies on receipt, said before any hashing. */
function checkName(path: string, absPath: string, input: string): void {
  const problem = pathProblem(path);
  if (!problem) return;
  // A file given by itself goes in under its name; one inside a folder, under its path.
  const what = absPath === input ? 'the name' : `${terminalText(absPath)}: the path`;
  throw new UsageError(`--file ${terminalText(input)}: ${what} "${terminalText(path)}" ${problem}`);
}

function checkCount(tree: ReleaseTree, input: string): void {
  if (tree.files.length + tree.emptyDirs.length > MAX_RELEASE_FILES)
    throw new UsageError(
      `--file ${terminalText(input)}: more than ${MAX_RELEASE_FILES} files and empty folders; ` +
        'publish an archive of them instead',
    );
}
