/**
 * Which versions and file paths a release may name. Both become names on the subscriber's disk,
 * so they are checked when a manifest is signed, when it is received, and again by the installer.
 * A path is also shown to people (pages, terminals), so it may hold no character that a page would
 * show as a token: no control, bidi control or invisible format character (`hidden-chars.ts`; a
 * `\u202Egnp.exe` would read `exe.png`, CVE-2021-42574).
 */
import { MAX_FILE_PATH_LENGTH, MAX_VERSION_LENGTH } from '../../contracts/channel.js';
import { findHiddenChars, type HiddenKind } from '../text/hidden-chars.js';

const VERSION_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,${MAX_VERSION_LENGTH - 1}}$`);
/** Names the installer keeps for itself in the install directory. */
const RESERVED_VERSIONS = new Set(['current']);
/** The characters Windows refuses in names (`:` would also open an NTFS stream). */
// `%` and `#` too: WebTorrent does not percent-encode web-seed paths, so such files could
// not be fetched from the web seed.
const RESERVED_CHARACTERS = /[\\:*?"<>|%#]/;

/** How each kind of hidden character would mislead, for the one-line refusal. */
const HIDDEN_WHY: Record<HiddenKind, string> = {
  control: 'a control character',
  bidi: 'a bidi control, which reorders how the name reads',
  separator: 'a line or paragraph separator',
  format: 'an invisible format character',
  surrogate: 'a lone UTF-16 surrogate',
};

/** Why `version` cannot be a directory name, or undefined if it can. */
export function versionProblem(version: string): string | undefined {
  if (!VERSION_PATTERN.test(version))
    return `must be 1-${MAX_VERSION_LENGTH} of [A-Za-z0-9._+-], starting with a letter or digit`;
  if (RESERVED_VERSIONS.has(version)) return `"${version}" is reserved`;
  return undefined;
}

/** Why `path` cannot be a file inside an install directory, or undefined if it can. */
export function pathProblem(path: string): string | undefined {
  const bytes = new TextEncoder().encode(path).length;
  if (bytes === 0 || bytes > MAX_FILE_PATH_LENGTH)
    return `must be 1-${MAX_FILE_PATH_LENGTH} bytes of UTF-8`;
  if (path.includes('\\')) return 'must use / as separator, not \\';
  if (path.startsWith('/')) return 'must be relative';
  for (const segment of path.split('/')) {
    if (segment === '') return 'has an empty segment';
    if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
    const [hidden] = findHiddenChars(segment);
    if (hidden) return `holds ${hidden.description}: ${HIDDEN_WHY[hidden.kind]}`;
    if (RESERVED_CHARACTERS.test(segment)) return 'has a reserved character (\\ : * ? " < > | % #)';
  }
  return undefined;
}

/**
 * Why these paths cannot live side by side, or undefined if they can: no path twice (ignoring
 * case, for case-insensitive disks), and no path that is also another's directory.
 */
export function pathSetProblem(paths: readonly string[]): string | undefined {
  const files = new Set<string>();
  const dirs = new Set<string>();
  for (const path of paths) {
    const folded = path.toLowerCase();
    if (files.has(folded)) return `"${path}" is listed twice`;
    files.add(folded);
    const segments = folded.split('/');
    for (let i = 1; i < segments.length; i++) dirs.add(segments.slice(0, i).join('/'));
  }
  for (const path of paths) {
    if (dirs.has(path.toLowerCase())) return `"${path}" is both a file and a directory`;
  }
  return undefined;
}

/**
 * Why these files and empty folders cannot be one tree, or undefined if they can: the files pass
 * `pathSetProblem`, and each folder is listed once, is not a file, and is empty (no listed file
 * or folder lies inside it). Case is ignored throughout, as for `pathSetProblem`.
 */
export function treeProblem(
  files: readonly string[],
  emptyDirs: readonly string[],
): string | undefined {
  const fileProblem = pathSetProblem(files);
  if (fileProblem) return fileProblem;
  const taken = new Set(files.map((path) => path.toLowerCase()));
  const parents = new Set<string>();
  for (const path of [...files, ...emptyDirs]) {
    const segments = path.toLowerCase().split('/');
    for (let i = 1; i < segments.length; i++) parents.add(segments.slice(0, i).join('/'));
  }
  for (const dir of emptyDirs) {
    const folded = dir.toLowerCase();
    if (taken.has(folded)) return `"${dir}" is listed twice, or as both a file and a folder`;
    if (parents.has(folded)) return `the folder "${dir}" is listed as empty but holds entries`;
    taken.add(folded);
  }
  return undefined;
}
