/**
 * backup: the deduplicating, encrypted backup engine.
 *
 * Nouns: a *repository* lives in a BlobStore and holds *blobs* (file chunks and directory *trees*),
 * sealed and packed into *packs*; *index segments* say which pack holds each blob; a *snapshot*
 * names one root tree plus tags and *provenance*. Only repository/ touches packs and the index;
 * everything else goes through it.
 */
export { initRepository, Repository, type InitOptions, type RepositoryOptions } from './repository/repository.js';
export { backup, type BackupOptions, type BackupProgress, type BackupResult } from './archiver/archiver.js';
export { restore, type RestoreOptions, type RestoreProgress, type RestoreResult } from './restorer/restorer.js';
export { compareData } from './restorer/compare.js';
export { listSnapshots, findSnapshot, type Snapshot, type SnapshotRef } from './snapshot/snapshot.js';
export { provenanceSchema, type Provenance, type WorkloadVersion, type HookRun } from './snapshot/provenance.js';
export type { TreeNode } from './snapshot/tree.js';
export { checkRepository, type CheckReport, type CheckProblem } from './maintenance/check.js';
export { DEFAULT_KEEP_BEFORE_SUSPICIOUS, forget, type ForgetOptions, type ForgetResult } from './maintenance/forget.js';
export { prune, type PruneOptions, type PruneResult } from './maintenance/prune.js';
export { diffSnapshots, type DiffEntry } from './maintenance/diff.js';
export { walkTree } from './maintenance/walk.js';
export { acquireShared, inspectLocks, listLocks, removeLocks, withSharedLock, type LockEntry } from './repository/locks.js';
export { runBackup } from './run.js';
export { saveCatalogRecord, readCatalogRecords, CATALOG_PREFIX, type CatalogObject, type StoredCatalogObject } from './repository/catalog-records.js';
