/**
 * Change signals, counted while the archiver walks and chunks: what changed against the parent
 * snapshot, and what the new data looked like to zstd (policy/change-signals.ts judges them). No
 * byte is read for them: file counts come from the walk's comparison with the parent's trees, which
 * it loads anyway, and byte counts from the chunk workers' replies (a sealed chunk's length says
 * whether zstd shrank it).
 *
 * Files inside a directory that disappeared are not counted as removed: that would cost reading
 * the parent's trees below it, which the walk never needs.
 */
import type { ChangeSignals } from '../../policy/change-signals.js';
import { SEAL_OVERHEAD } from '../crypto/seal.js';
import { nameKey } from '../snapshot/names.js';
import type { TreeNode } from '../snapshot/tree.js';

/** An extension is the last dot and what follows, if short and not the whole name (".bashrc" has none). */
export function extensionOf(name: string): string {
  const i = name.lastIndexOf('.');
  if (i <= 0 || name.length - i > 17) return '';
  return name.slice(i).toLowerCase();
}

const stemOf = (name: string) => {
  const ext = extensionOf(name);
  return ext ? name.slice(0, -ext.length) : name;
};

/**
 * Extensions kept in `renamed`, the most frequent first: the judge weighs only the top one, and the
 * data mover's summary (which carries the signals) must fit a 4 KiB termination message however
 * many extensions a volume's files were renamed to.
 */
export const RENAMED_KEPT = 10;

/** Byte counts of the chunks a backup stored or found already stored. */
export class ChunkSignals {
  bytesNew = 0;
  bytesDeduplicated = 0;
  bytesNewStored = 0;
  bytesNewIncompressible = 0;

  /** A chunk the repository already held. */
  reused(rawLength: number): void {
    this.bytesDeduplicated += rawLength;
  }

  /** A chunk stored now: its sealed form is flag(1) ‖ payload, and a payload as long as the chunk is stored as is. */
  stored(rawLength: number, sealedLength: number): void {
    const payload = sealedLength - SEAL_OVERHEAD - 1;
    this.bytesNew += rawLength;
    this.bytesNewStored += payload;
    if (payload >= rawLength) this.bytesNewIncompressible += rawLength;
  }
}

export class WalkSignals {
  filesNew = 0;
  filesChanged = 0;
  filesRemoved = 0;
  readonly renamed: Record<string, number> = {};

  /** A file read because the parent did not have it (`prev` undefined or not a file) or its metadata changed. */
  read(prev: TreeNode | undefined): void {
    if (prev?.type === 'file') this.filesChanged++;
    else this.filesNew++;
  }

  /**
   * One directory, compared with the parent's: removed files, and new files whose name is a removed
   * file's plus an extension ("x.docx.locked") or its stem with another extension ("x.locked").
   */
  directory(parent: ReadonlyMap<string, TreeNode>, nodes: readonly TreeNode[]): void {
    if (parent.size === 0) return;
    const current = new Set(nodes.map(nameKey));
    const removedNames = new Set<string>();
    const removedStems = new Map<string, string[]>();
    for (const [key, n] of parent) {
      if (n.type !== 'file' || current.has(key)) continue;
      this.filesRemoved++;
      removedNames.add(n.name);
      const stem = stemOf(n.name);
      removedStems.set(stem, [...(removedStems.get(stem) ?? []), n.name]);
    }
    if (removedNames.size === 0) return;
    for (const n of nodes) {
      if (n.type !== 'file' || parent.has(nameKey(n))) continue;
      const ext = extensionOf(n.name);
      const stem = stemOf(n.name);
      let was: string | undefined;
      if (ext && removedNames.has(stem)) was = stem;
      else was = removedStems.get(stem)?.find((r) => removedNames.has(r) && extensionOf(r) !== ext);
      if (was === undefined) continue;
      // Each removed file pairs with one new file at most.
      removedNames.delete(was);
      this.renamed[ext] = (this.renamed[ext] ?? 0) + 1;
    }
  }

  /** The signals of a finished backup; `files` is the count in the snapshot. */
  finish(files: number, bytesChanged: number, chunks: ChunkSignals | undefined, initial: boolean): ChangeSignals {
    return {
      files,
      filesNew: this.filesNew,
      filesChanged: this.filesChanged,
      filesRemoved: this.filesRemoved,
      bytesChanged,
      bytesNew: chunks?.bytesNew ?? 0,
      bytesDeduplicated: chunks?.bytesDeduplicated ?? 0,
      bytesNewStored: chunks?.bytesNewStored ?? 0,
      bytesNewIncompressible: chunks?.bytesNewIncompressible ?? 0,
      renamed: Object.fromEntries(
        Object.entries(this.renamed)
          .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
          .slice(0, RENAMED_KEPT),
      ),
      ...(initial ? { initial: true } : {}),
    };
  }
}
