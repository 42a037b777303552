/**
 * Is there room on the target's filesystem for the entries a restore will create? Asked before
 * anything is written, so a snapshot that cannot fit (a tree bomb, see expand.ts, or simply a
 * snapshot too large for the volume) is refused at once instead of filling the disk for minutes.
 *
 * Only inodes are compared. Bytes are not: zero chunks are restored as holes, so a snapshot of a
 * sparse disk image restores into far less space than its size, and refusing it would be wrong.
 */
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoCode } from '../../base/errors.js';

export interface Inodes {
  /** Inodes of the filesystem; 0 where it allocates them on demand (btrfs), which this cannot judge. */
  files: number;
  ffree: number;
}

/**
 * Into an empty target every entry takes a free inode. With overwrite, entries replace what is
 * there and give its inodes back, so only the filesystem's total is a bound that never refuses a
 * restore that could succeed.
 */
export function roomFor(entries: number, fs: Inodes, overwrite: boolean): { fits: boolean; room: number } {
  const room = overwrite ? fs.files : fs.ffree;
  return { fits: fs.files === 0 || entries <= room, room };
}

/** statfs of the target, or of its nearest existing parent when it is not made yet. */
export async function inodesAt(path: string): Promise<Inodes> {
  for (let p = path; ; p = dirname(p)) {
    try {
      const s = await statfs(p);
      return { files: s.files, ffree: s.ffree };
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT' || dirname(p) === p) throw e;
    }
  }
}
