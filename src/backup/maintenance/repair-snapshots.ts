/**
 * repair snapshots: salvages what is left of snapshots whose data is partly lost, as restic's
 * `repair snapshots` does. Each snapshot is walked; where a blob is lost (no copy in the index
 * whose pack is in the store and long enough to hold it, or a tree no copy of which decrypts):
 * - a file keeps its content up to the first lost chunk (truncated), or is removed if none is left;
 * - a directory whose tree is lost is kept, empty;
 * and the snapshot is saved again as a new one tagged `repaired` that records the `original` id.
 * A snapshot whose root tree is lost has nothing to salvage. The originals, and snapshot files
 * that cannot be decrypted at all, are deleted only with `forget`.
 *
 * Lost *data* is judged from the index and the pack sizes; a chunk that is present but damaged is
 * found by `repair index --read-all-data` (which drops damaged copies from the index): run that first.
 */
import { isHoldfastError } from '../../base/errors.js';
import { isDamage, type Repository } from '../repository/repository.js';
import { acquireExclusive } from '../repository/locks.js';
import { listSnapshots, saveSnapshot, type Snapshot } from '../snapshot/snapshot.js';
import { encodeTree, parseTree, type TreeNode } from '../snapshot/tree.js';

export const REPAIRED_TAG = 'repaired';

export interface RepairSnapshotsOptions {
  /** Say what would be done; write and delete nothing. */
  dryRun?: boolean;
  /** Delete each original once its repaired copy is saved, and snapshot files that cannot be read. */
  forget?: boolean;
}

export interface SnapshotChange {
  path: string;
  action: 'truncated' | 'removed' | 'emptied';
  detail: string;
}

export interface RepairedSnapshot {
  id: string;
  /** `lost`: the root tree itself is lost, nothing to salvage. */
  status: 'repaired' | 'lost';
  changes: SnapshotChange[];
  /** The repaired copy (absent in a dry run or when lost). */
  newId?: string;
  /** The original was deleted (forget). */
  removed: boolean;
}

export interface RepairSnapshotsResult {
  checked: number;
  intact: number;
  snapshots: RepairedSnapshot[];
  /** Snapshot files that cannot be decrypted or parsed. */
  unreadable: { name: string; reason: string; removed: boolean }[];
  dryRun: boolean;
}

/**
 * What is left of a file whose chunks are `content`: everything before the first lost chunk. A
 * pure decision, so the rule (restic's: truncate, never leave a hole of made-up bytes) is tested alone.
 */
export function salvageFile(content: readonly string[], usable: (id: string) => boolean, rawLength: (id: string) => number): { action: 'keep' } | { action: 'truncate'; content: string[]; size: number } | { action: 'remove' } {
  const firstLost = content.findIndex((id) => !usable(id));
  if (firstLost < 0) return { action: 'keep' };
  if (firstLost === 0) return { action: 'remove' };
  const kept = content.slice(0, firstLost);
  return { action: 'truncate', content: kept, size: kept.reduce((a, id) => a + rawLength(id), 0) };
}

export async function repairSnapshots(repo: Repository, opts: RepairSnapshotsOptions = {}): Promise<RepairSnapshotsResult> {
  // Exclusive, as restic's: it deletes snapshots (--forget) and saves ones that reference blobs, so
  // a forget deciding beside it, or a prune condemning what the repaired copy still needs, must wait.
  const lock = opts.dryRun ? undefined : await acquireExclusive(repo, 'repair snapshots');
  try {
    await repo.loadIndex();
    const stored = new Map<string, number>();
    for await (const b of repo.store.list('data/')) stored.set(b.name.slice(b.name.lastIndexOf('/') + 1), b.size);
    const usable = (id: string) => repo.index.copies(id).some((c) => (stored.get(c.pack) ?? -1) >= c.offset + c.length);
    const rawLength = (id: string) => repo.index.lookup(id)?.rawLength ?? 0;

    const snaps = await listSnapshots(repo);
    const result: RepairSnapshotsResult = { checked: snaps.length, intact: 0, snapshots: [], unreadable: [], dryRun: !!opts.dryRun };
    /** Repaired trees by original id: a subtree shared by many snapshots is rewritten once. */
    const memo = new Map<string, Promise<{ id: string; changes: SnapshotChange[] } | undefined>>();

    const repairTree = (treeId: string): Promise<{ id: string; changes: SnapshotChange[] } | undefined> => {
      let p = memo.get(treeId);
      if (!p) memo.set(treeId, (p = rewriteTree(treeId)));
      return p;
    };
    /** The tree with its lost parts cut away; undefined when the tree itself cannot be read. */
    const rewriteTree = async (treeId: string): Promise<{ id: string; changes: SnapshotChange[] } | undefined> => {
      let nodes: TreeNode[];
      try {
        nodes = parseTree(await repo.loadBlob(treeId, 'tree'), treeId).nodes;
      } catch (e) {
        if (!isDamage(e)) throw e;
        return undefined;
      }
      const changes: SnapshotChange[] = [];
      const out: TreeNode[] = [];
      for (const n of nodes) {
        if (n.type === 'dir' && n.subtree) {
          const sub = await repairTree(n.subtree);
          if (!sub) {
            changes.push({ path: n.name, action: 'emptied', detail: `its tree ${n.subtree.slice(0, 12)} is lost` });
            out.push({ ...n, subtree: await emptyTree() });
            continue;
          }
          for (const c of sub.changes) changes.push({ ...c, path: `${n.name}/${c.path}` });
          out.push(sub.id === n.subtree ? n : { ...n, subtree: sub.id });
          continue;
        }
        const s = n.type === 'file' && n.content ? salvageFile(n.content, usable, rawLength) : { action: 'keep' as const };
        if (s.action === 'keep') out.push(n);
        else if (s.action === 'remove') changes.push({ path: n.name, action: 'removed', detail: `its first chunk is lost` });
        else {
          changes.push({ path: n.name, action: 'truncated', detail: `kept the first ${s.size} of ${n.size ?? '?'} bytes` });
          out.push({ ...n, content: s.content, size: s.size });
        }
      }
      if (changes.length === 0) return { id: treeId, changes };
      return { id: opts.dryRun ? treeId : (await repo.saveBlob('tree', encodeTree({ nodes: out }))).id, changes };
    };
    let empty: string | undefined;
    const emptyTree = async () => (empty ??= opts.dryRun ? '' : (await repo.saveBlob('tree', encodeTree({ nodes: [] }))).id);

    for (const s of snaps) {
      const root = await repairTree(s.snapshot.tree);
      if (root && root.changes.length === 0) {
        result.intact++;
        continue;
      }
      const entry: RepairedSnapshot = { id: s.id, status: root ? 'repaired' : 'lost', changes: root?.changes ?? [], removed: false };
      result.snapshots.push(entry);
      if (opts.dryRun) continue;
      if (root) {
        await repo.flush();
        // Run again without --forget, the same salvage is already there: do not save it twice.
        const earlier = snaps.find((x) => x.snapshot.original === s.id && x.snapshot.tree === root.id);
        const repaired: Snapshot = { ...s.snapshot, tree: root.id, tags: [...new Set([...s.snapshot.tags, REPAIRED_TAG])], original: s.id };
        entry.newId = earlier?.id ?? (await saveSnapshot(repo, repaired));
      }
      if (opts.forget) entry.removed = await deleteSnapshot(repo, `snapshots/${s.id}`);
    }

    for (const d of repo.damaged.filter((x) => x.kind === 'snapshot'))
      result.unreadable.push({ name: d.name, reason: d.reason, removed: !opts.dryRun && !!opts.forget && (await deleteSnapshot(repo, d.name)) });
    return result;
  } finally {
    await lock?.release();
  }
}

/** Deletes a snapshot file; false when the store's retention holds it. */
async function deleteSnapshot(repo: Repository, name: string): Promise<boolean> {
  try {
    await repo.store.delete(name);
    return true;
  } catch (e) {
    if (isHoldfastError(e, 'BLOB_HELD')) return false;
    throw e;
  }
}
