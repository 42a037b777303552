/**
 * check: proves a repository restorable. The structural check follows every snapshot to every
 * blob and confirms the index places it in a pack that exists. `readData` also downloads every
 * pack, checks its name (SHA-256), decrypts its header and every blob and verifies each blob's id,
 * then names the files that a damaged pack affects, so the user knows what is lost.
 */
import { createHash } from 'node:crypto';
import { HoldfastError } from '../../base/errors.js';
import type { Repository } from '../repository/repository.js';
import { packName, readPackHeader } from '../pack/pack.js';
import { listSnapshots } from '../snapshot/snapshot.js';
import { walkTree } from './walk.js';

export interface CheckProblem {
  kind: 'missing-pack' | 'missing-blob' | 'damaged-pack' | 'damaged-blob' | 'unreadable-snapshot' | 'unindexed-pack' | 'damaged-index' | 'damaged-plan';
  object: string;
  message: string;
  /** Files (snapshot id:path) whose content is affected. */
  affects?: string[];
}

export interface CheckReport {
  snapshots: number;
  packs: number;
  blobs: number;
  readData: boolean;
  bytesRead: number;
  errors: CheckProblem[];
  /** Not damage: e.g. packs left by an interrupted backup, which prune removes. */
  notices: CheckProblem[];
}

export async function checkRepository(repo: Repository, opts: { readData?: boolean; onProgress?: (done: number, total: number) => void } = {}): Promise<CheckReport> {
  const report: CheckReport = { snapshots: 0, packs: 0, blobs: repo.index.blobCount, readData: !!opts.readData, bytesRead: 0, errors: [], notices: [] };
  const stored = new Map<string, number>();
  for await (const b of repo.store.list('data/')) stored.set(b.name.slice(b.name.lastIndexOf('/') + 1), b.size);
  report.packs = stored.size;

  for (const p of repo.index.packs.keys())
    if (!stored.has(p)) report.errors.push({ kind: 'missing-pack', object: p, message: `pack ${p.slice(0, 12)} is in the index but not in the store` });
  for (const p of stored.keys())
    if (!repo.index.packs.has(p)) report.notices.push({ kind: 'unindexed-pack', object: p, message: `pack ${p.slice(0, 12)} is not indexed (left by an interrupted backup; prune removes it)` });

  // Which blobs are bad, then which files use them.
  const badBlobs = new Map<string, string>();
  if (opts.readData) {
    let done = 0;
    const byPack = repo.index.byPack();
    for (const [packId] of repo.index.packs) {
      if (!stored.has(packId)) continue;
      opts.onProgress?.(done++, repo.index.packs.size);
      const data = await repo.store.get(packName(packId));
      report.bytesRead += data.length;
      const problem = (message: string) => {
        report.errors.push({ kind: 'damaged-pack', object: packId, message });
        for (const { id } of byPack.get(packId) ?? [])
          if (repo.index.locations(id).every((l) => l.pack === packId || badPack(l.pack))) badBlobs.set(id, packId);
      };
      const badPack = (p: string) => report.errors.some((e) => e.object === p);
      if (createHash('sha256').update(data).digest('hex') !== packId) {
        problem(`pack ${packId.slice(0, 12)}: content does not match its name (damaged or truncated)`);
        continue;
      }
      try {
        readPackHeader(repo.workerKeys().encKey, data, packId);
      } catch (e) {
        problem(e instanceof HoldfastError ? e.message : String(e));
        continue;
      }
      for (const { id, loc: l } of byPack.get(packId) ?? []) {
        try {
          repo.openBlob(id, data.subarray(l.offset, l.offset + l.length), packId);
        } catch (e) {
          report.errors.push({ kind: 'damaged-blob', object: id, message: e instanceof HoldfastError ? e.message : String(e) });
          badBlobs.set(id, packId);
        }
      }
    }
  }

  const snaps = await listSnapshots(repo);
  report.snapshots = snaps.length;
  const affected = new Map<string, string[]>();
  for (const s of snaps) {
    const label = s.id.slice(0, 8);
    const visitBlob = (id: string, path: string) => {
      if (!repo.index.lookup(id)) report.errors.push({ kind: 'missing-blob', object: id, message: `snapshot ${label}: ${path || '/'} needs blob ${id.slice(0, 12)}, which is not in the index` });
      const bad = badBlobs.get(id);
      if (bad) affected.set(bad, [...(affected.get(bad) ?? []), `${label}:${path}`]);
    };
    try {
      visitBlob(s.snapshot.tree, '');
      await walkTree(repo, s.snapshot.tree, (path, n) => {
        for (const c of n.content ?? []) visitBlob(c, path);
        if (n.subtree) visitBlob(n.subtree, path);
      });
    } catch (e) {
      report.errors.push({ kind: 'unreadable-snapshot', object: s.id, message: `snapshot ${label}: ${e instanceof HoldfastError ? e.message : String(e)}` });
    }
  }
  reportDamagedMetadata(repo, report);
  for (const e of report.errors) if (e.kind === 'damaged-pack' && affected.has(e.object)) e.affects = [...new Set(affected.get(e.object))];
  return report;
}

/** Index segments, snapshots and plans the repository skipped because they cannot be read. */
function reportDamagedMetadata(repo: Repository, report: CheckReport): void {
  for (const d of repo.damaged) {
    if (d.kind === 'index')
      report.errors.push({ kind: 'damaged-index', object: d.name, message: `damaged index segment: ${d.reason}; run 'holdfast repair index' to rebuild the index from the packs` });
    else if (d.kind === 'snapshot')
      report.errors.push({ kind: 'unreadable-snapshot', object: d.name, message: `damaged snapshot: ${d.reason}; it cannot be restored — run 'holdfast repair snapshots --forget' to remove it` });
    else report.notices.push({ kind: 'damaged-plan', object: d.name, message: `damaged deletion plan: ${d.reason}; ignored (its packs are kept), the next prune removes it` });
  }
}
