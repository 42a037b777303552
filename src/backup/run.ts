/**
 * The backup entry point that the CLI, the control plane and the data mover call: takes the
 * shared lock *before* reading the index, so a prune that condemns packs after this moment knows
 * this backup may still use them (see maintenance/prune.ts), picks the parent snapshot, and runs.
 */
import { resolve } from 'node:path';
import { backup, startAttributePass, type BackupOptions, type BackupResult } from './archiver/archiver.js';
import { acquireShared } from './repository/locks.js';
import { sweepStaging } from './archiver/staging.js';
import type { Repository } from './repository/repository.js';
import { listSnapshots, type SnapshotRef } from './snapshot/snapshot.js';
import type { ChangeSignals } from '../policy/change-signals.js';
import { referencedBlobs } from './maintenance/walk.js';
import { packName } from './pack/pack.js';

/**
 * With object lock, a new snapshot may reuse blobs in older packs whose retention ends sooner;
 * extend those packs to the new snapshot's retention, or the data it needs could be deleted while
 * the snapshot itself is still held.
 */
async function extendLocks(repo: Repository, tree: string): Promise<void> {
  const until = repo.putOptions().retainUntil;
  const store = repo.store;
  if (!until || !store.extendRetention || !store.heldUntil) return;
  const packs = new Set<string>();
  for (const id of await referencedBlobs(repo, [tree])) {
    const loc = repo.index.lookup(id);
    if (loc) packs.add(loc.pack);
  }
  for (const p of packs) {
    const name = packName(p);
    const held = await store.heldUntil(name);
    if (!held || held < until) await store.extendRetention(name, until);
  }
}

/**
 * The volume's earlier signals: those the parent carried plus its own, so the history outlives
 * what retention forgets; from the snapshots still listed when the parent carries none.
 */
function historyOf(parent: SnapshotRef | undefined, earlier: readonly SnapshotRef[]): ChangeSignals[] {
  if (parent?.snapshot.signalHistory && parent.snapshot.signals) return [...parent.snapshot.signalHistory, parent.snapshot.signals];
  return earlier.flatMap((s) => (s.snapshot.signals ? [s.snapshot.signals] : []));
}

export async function runBackup(repo: Repository, opts: Omit<BackupOptions, 'parent'> & { noParent?: boolean }): Promise<BackupResult> {
  // Beside the lock, the index and the snapshots, which do not need it.
  const attributePass = opts.attributePass ?? startAttributePass(opts.source);
  const lock = await acquireShared(repo);
  try {
    // Under our lock, so the lock list it reads has us in it: what a killed backup staged goes.
    await sweepStaging(repo);
    await repo.loadIndex();
    const source = resolve(opts.source);
    const volume = opts.provenance?.volume;
    const earlier = (await listSnapshots(repo)).filter((s) => s.snapshot.paths[0] === source && s.snapshot.provenance.volume === volume);
    const parent = opts.noParent ? undefined : earlier.at(-1);
    const signalHistory = historyOf(parent, earlier);
    const result = await backup(repo, { ...opts, signalHistory, attributePass, ...(parent ? { parent } : {}) });
    await extendLocks(repo, result.snapshot.tree);
    return result;
  } finally {
    await lock.release();
  }
}
