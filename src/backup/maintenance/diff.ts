/** diff: what changed between two snapshots, by path: added, removed, modified (content or metadata). */
import type { Repository } from '../repository/repository.js';
import type { TreeNode } from '../snapshot/tree.js';
import { walkTree } from './walk.js';

export interface DiffEntry {
  path: string;
  change: 'added' | 'removed' | 'modified' | 'metadata';
  type: TreeNode['type'];
}

const contentSig = (n: TreeNode) => `${n.type}|${n.size ?? ''}|${(n.content ?? []).join(',')}|${n.linkTarget ?? ''}`;
const metaSig = (n: TreeNode) => `${n.mode}|${n.uid}|${n.gid}|${n.mtimeNs}`;

export async function diffSnapshots(repo: Repository, treeA: string, treeB: string): Promise<DiffEntry[]> {
  const collect = async (tree: string) => {
    const m = new Map<string, TreeNode>();
    await walkTree(repo, tree, (p, n) => {
      m.set(p, n);
    });
    return m;
  };
  const [a, b] = await Promise.all([collect(treeA), collect(treeB)]);
  const out: DiffEntry[] = [];
  for (const [p, n] of a) if (!b.has(p)) out.push({ path: p, change: 'removed', type: n.type });
  for (const [p, n] of b) {
    const old = a.get(p);
    if (!old) out.push({ path: p, change: 'added', type: n.type });
    else if (n.type !== 'dir' && contentSig(old) !== contentSig(n)) out.push({ path: p, change: 'modified', type: n.type });
    else if (n.type !== 'dir' && metaSig(old) !== metaSig(n)) out.push({ path: p, change: 'metadata', type: n.type });
  }
  return out.sort((x, y) => (x.path < y.path ? -1 : 1));
}
