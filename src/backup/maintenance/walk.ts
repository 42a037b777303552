/** Walking snapshot trees: shared by ls, diff, check and prune. */
import type { Repository } from '../repository/repository.js';
import { parseTree, type TreeNode } from '../snapshot/tree.js';
import { nameBytes } from '../snapshot/names.js';

/**
 * `path` is relative to the snapshot root, built from the readable names (what ls and diff show);
 * `raw` is the same path as the bytes a restore creates, for code that looks at restored files
 * (names need not be UTF-8, see snapshot/names.ts).
 */
export type Visit = (path: string, node: TreeNode, raw: Buffer) => void | Promise<void>;

const SLASH = Buffer.from('/');

/** Depth-first, entries in tree order. */
export async function walkTree(repo: Repository, treeId: string, visit: Visit, prefix = '', rawPrefix: Buffer = Buffer.alloc(0)): Promise<void> {
  const tree = parseTree(await repo.loadBlob(treeId, 'tree'), treeId);
  for (const n of tree.nodes) {
    const p = prefix ? `${prefix}/${n.name}` : n.name;
    const raw = rawPrefix.length ? Buffer.concat([rawPrefix, SLASH, nameBytes(n)]) : nameBytes(n);
    await visit(p, n, raw);
    if (n.type === 'dir' && n.subtree) await walkTree(repo, n.subtree, visit, p, raw);
  }
}

/**
 * Every blob the given root trees reference. Identical subtrees are visited once, which makes
 * this proportional to what changed between snapshots, not to their number.
 */
export async function referencedBlobs(repo: Repository, roots: readonly string[]): Promise<Set<string>> {
  const used = new Set<string>();
  const visitTree = async (id: string): Promise<void> => {
    if (used.has(id)) return;
    used.add(id);
    const tree = parseTree(await repo.loadBlob(id, 'tree'), id);
    for (const n of tree.nodes) {
      for (const c of n.content ?? []) used.add(c);
      if (n.subtree) await visitTree(n.subtree);
    }
  };
  for (const r of roots) await visitTree(r);
  return used;
}
