import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inodesAt, roomFor } from './room.js';

describe('room for a restore', () => {
  const fs = { files: 1000, ffree: 300 };
  const cases: [string, number, { files: number; ffree: number }, boolean, boolean][] = [
    ['a restore that fits the free inodes goes ahead', 300, fs, false, true],
    ['a restore into an empty target with more entries than free inodes is refused', 301, fs, false, false],
    ['an overwrite may reuse the inodes of what it replaces, so only the total bounds it', 900, fs, true, true],
    ['an overwrite larger than the whole filesystem is refused', 1001, fs, true, false],
    ['a filesystem that allocates inodes on demand cannot be judged and is not refused', 10 ** 12, { files: 0, ffree: 0 }, false, true],
  ];
  for (const [name, entries, f, overwrite, fits] of cases) it(name, () => assert.equal(roomFor(entries, f, overwrite).fits, fits));

  it('reads the filesystem of the nearest existing parent of a target not made yet', async () => {
    const here = await inodesAt('/tmp');
    const below = await inodesAt('/tmp/no/such/dir/yet');
    assert.equal(below.files, here.files);
  });
});
