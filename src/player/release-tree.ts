/**
 * A release's files and empty folders as the rows of a tree, for the pages: each folder once,
 * before what it holds, children sorted by name, folders and files together as a file manager
 * lists them by name. Pure, so it is tested without a DOM.
 */
import type { ReleaseFile, ReleaseManifest } from '../contracts/channel.js';

export type ReleaseTreeRow =
  | {
      kind: 'dir';
      /** The folder's path, `/`-separated. */
      path: string;
      /** Its last part. */
      name: string;
      /** 0 for an entry at the top of the release. */
      depth: number;
      /** True for a folder the manifest lists as empty. */
      empty: boolean;
    }
  | { kind: 'file'; path: string; name: string; depth: number; file: ReleaseFile };

interface Folder {
  dirs: Map<string, Folder>;
  files: ReleaseFile[];
  listedEmpty: boolean;
}

const newFolder = (): Folder => ({ dirs: new Map(), files: [], listedEmpty: false });
const lastPart = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** The rows of `manifest`'s tree, depth first. */
export function releaseTreeRows(
  manifest: Pick<ReleaseManifest, 'files' | 'emptyDirs'>,
): ReleaseTreeRow[] {
  const root = newFolder();
  const folderAt = (parts: readonly string[]) => {
    let folder = root;
    for (const part of parts) {
      let next = folder.dirs.get(part);
      if (!next) folder.dirs.set(part, (next = newFolder()));
      folder = next;
    }
    return folder;
  };
  for (const file of manifest.files) folderAt(file.path.split('/').slice(0, -1)).files.push(file);
  for (const dir of manifest.emptyDirs ?? []) folderAt(dir.split('/')).listedEmpty = true;

  const rows: ReleaseTreeRow[] = [];
  const visit = (folder: Folder, prefix: string, depth: number) => {
    const entries: { name: string; file?: ReleaseFile }[] = [
      ...[...folder.dirs.keys()].map((name) => ({ name })),
      ...folder.files.map((file) => ({ name: lastPart(file.path), file })),
    ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.file) {
        rows.push({ kind: 'file', path, name: entry.name, depth, file: entry.file });
        continue;
      }
      const inner = folder.dirs.get(entry.name)!;
      const empty = inner.listedEmpty && inner.dirs.size === 0 && inner.files.length === 0;
      rows.push({ kind: 'dir', path, name: entry.name, depth, empty });
      visit(inner, path, depth + 1);
    }
  };
  visit(root, '', 0);
  return rows;
}

/** "3 files in 2 folders, 1 of them empty": the size of a tree in words. */
export function describeReleaseTree(rows: readonly ReleaseTreeRow[]): string {
  const files = rows.filter((row) => row.kind === 'file').length;
  const dirs = rows.filter((row) => row.kind === 'dir');
  const empty = dirs.filter((row) => row.empty).length;
  const fileWords = `${files} file${files === 1 ? '' : 's'}`;
  if (dirs.length === 0) return fileWords;
  const dirWords = `${dirs.length} folder${dirs.length === 1 ? '' : 's'}`;
  return `${fileWords} in ${dirWords}${empty > 0 ? `, ${empty} of them empty` : ''}`;
}
