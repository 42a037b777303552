/**
 * The backup entry point that the CLI, the control plane and the data mover call: takes the
 * shared lock *before* reading the index, so a prune that condemns packs after this moment knows
 * this backup may still use them (see maintenance/prune.ts), picks the parent snapshot, and runs.
 */
import { resolve } from 'node:path';
import { backup, type BackupOptions, type BackupResult } from './archiver/archiver.js';
import { acquireShared } from './repository/locks.js';
import type { Repository } from './repository/repository.js';
import { listSnapshots } from './snapshot/snapshot.js';

export async function runBackup(repo: Repository, opts: Omit<BackupOptions, 'parent'> & { noParent?: boolean }): Promise<BackupResult> {
  const lock = await acquireShared(repo);
  try {
    await repo.loadIndex();
    const source = resolve(opts.source);
    const volume = opts.provenance?.volume;
    const parent = opts.noParent
      ? undefined
      : (await listSnapshots(repo)).filter((s) => s.snapshot.paths[0] === source && s.snapshot.provenance.volume === volume).at(-1);
    return await backup(repo, { ...opts, ...(parent ? { parent } : {}) });
  } finally {
    await lock.release();
  }
}
