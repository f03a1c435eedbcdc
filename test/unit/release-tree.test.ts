/** The tree the news and updates pages draw from a manifest's paths and empty folders. */
import { describe, expect, it } from 'vitest';
import type { ReleaseFile } from '../../src/contracts/channel.js';
import { describeReleaseTree, releaseTreeRows } from '../../src/player/release-tree.js';

const file = (path: string, extra: Partial<ReleaseFile> = {}): ReleaseFile => ({
  path,
  length: 1,
  sha256: '00'.repeat(32),
  ...extra,
});

describe('releaseTreeRows', () => {
  it('lists each folder once, before what it holds, by name at every level', () => {
    const rows = releaseTreeRows({
      files: [file('zeta.txt'), file('bin/tool', { executable: true }), file('lib/a/b.so')],
      emptyDirs: ['lib/a/cache', 'logs'],
    });
    expect(
      rows.map((row) => `${'  '.repeat(row.depth)}${row.name}${row.kind === 'dir' ? '/' : ''}`),
    ).toEqual(['bin/', '  tool', 'lib/', '  a/', '    b.so', '    cache/', 'logs/', 'zeta.txt']);
    expect(rows.filter((row) => row.kind === 'dir' && row.empty).map((row) => row.path)).toEqual([
      'lib/a/cache',
      'logs',
    ]);
    const tool = rows.find((row) => row.path === 'bin/tool');
    expect(tool?.kind === 'file' && tool.file.executable).toBe(true);
    expect(describeReleaseTree(rows)).toBe('3 files in 5 folders, 2 of them empty');
  });

  it('keeps a flat release flat', () => {
    const rows = releaseTreeRows({ files: [file('b'), file('a')] });
    expect(rows.map((row) => [row.kind, row.path, row.depth])).toEqual([
      ['file', 'a', 0],
      ['file', 'b', 0],
    ]);
    expect(describeReleaseTree(rows)).toBe('2 files');
    expect(describeReleaseTree(releaseTreeRows({ files: [file('x/y')] }))).toBe(
      '1 file in 1 folder',
    );
  });
});
