/**
 * How many entries a restore will create, counted before it creates any. A tree names its subtrees
 * by id, so a crafted snapshot can name one subtree many times at every level: 64 entries five
 * levels deep is a billion paths from a few kilobytes of trees (a "tree bomb"), and a restore
 * that simply follows the trees writes until the disk is full. Counting is cheap because each
 * distinct tree is read once (the trees form a DAG: an id is a hash of its content, so no tree
 * can contain itself), and the trees seen more than once are reported, so the restore can keep
 * those parsed instead of reading them again for every path that names them.
 */
import type { Tree } from '../snapshot/tree.js';

export interface Expansion {
  /** Files, directories and symlinks below the root, counting every path. */
  entries: number;
  /** Tree ids named more than once. */
  repeated: Set<string>;
}

export async function expand(loadTree: (id: string) => Promise<Tree>, root: string): Promise<Expansion> {
  const memo = new Map<string, Promise<number>>();
  const repeated = new Set<string>();
  const count = (id: string): Promise<number> => {
    let p = memo.get(id);
    if (p) {
      repeated.add(id);
      return p;
    }
    p = loadTree(id).then(async (t) => {
      const below = await Promise.all(t.nodes.map((n) => (n.type === 'dir' && n.subtree ? count(n.subtree) : 0)));
      return below.reduce((a, b) => a + b, t.nodes.length);
    });
    memo.set(id, p);
    return p;
  };
  return { entries: await count(root), repeated };
}
