/**
 * diff: what changed between two snapshots, by path: added, removed, modified (content or metadata).
 *
 * The two trees are walked side by side and a subtree with the same id on both sides is skipped:
 * ids are content hashes, so nothing below it differs. That makes a diff proportional to what
 * changed, not to the size of the snapshots, and keeps a crafted snapshot that repeats one subtree
 * a billion times (a tree bomb) from costing anything when it is on both sides. Entries are matched
 * by the bytes of their names (snapshot/names.ts) and shown by their readable paths.
 */
import type { Repository } from '../repository/repository.js';
import { nameBytes } from '../snapshot/names.js';
import { parseTree, type TreeNode } from '../snapshot/tree.js';
import { walkTree } from './walk.js';

export interface DiffEntry {
  path: string;
  change: 'added' | 'removed' | 'modified' | 'metadata';
  type: TreeNode['type'];
}

const contentSig = (n: TreeNode) => `${n.type}|${n.size ?? ''}|${(n.content ?? []).join(',')}|${n.linkTarget ?? ''}|${n.linkTargetRaw ?? ''}`;
const metaSig = (n: TreeNode) => `${n.mode}|${n.uid}|${n.gid}|${n.mtimeNs}`;

export async function diffSnapshots(repo: Repository, treeA: string, treeB: string): Promise<DiffEntry[]> {
  const out: DiffEntry[] = [];
  const nodesOf = async (id: string | undefined) => {
    const m = new Map<string, TreeNode>();
    if (id) for (const n of parseTree(await repo.loadBlob(id, 'tree'), id).nodes) m.set(nameBytes(n).toString('latin1'), n);
    return m;
  };
  /** Every entry below a directory that is only on one side. */
  const all = async (n: TreeNode, path: string, change: 'added' | 'removed') => {
    if (n.type === 'dir' && n.subtree) await walkTree(repo, n.subtree, (p, c) => void out.push({ path: p, change, type: c.type }), path);
  };
  const compare = async (a: string | undefined, b: string | undefined, prefix: string): Promise<void> => {
    if (a === b) return;
    const [na, nb] = await Promise.all([nodesOf(a), nodesOf(b)]);
    for (const [key, old] of na) {
      if (nb.has(key)) continue;
      const p = prefix ? `${prefix}/${old.name}` : old.name;
      out.push({ path: p, change: 'removed', type: old.type });
      await all(old, p, 'removed');
    }
    for (const [key, n] of nb) {
      const old = na.get(key);
      const p = prefix ? `${prefix}/${n.name}` : n.name;
      if (!old) {
        out.push({ path: p, change: 'added', type: n.type });
        await all(n, p, 'added');
      } else if (old.type === 'dir' && n.type === 'dir') await compare(old.subtree, n.subtree, p);
      else if (old.type === 'dir' || n.type === 'dir') {
        // A directory became something else or the other way round: the entry changed, and
        // everything below the directory side went or came.
        out.push({ path: p, change: 'modified', type: n.type });
        await all(old, p, 'removed');
        await all(n, p, 'added');
      } else if (contentSig(old) !== contentSig(n)) out.push({ path: p, change: 'modified', type: n.type });
      else if (metaSig(old) !== metaSig(n)) out.push({ path: p, change: 'metadata', type: n.type });
    }
  };
  await compare(treeA, treeB, '');
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
