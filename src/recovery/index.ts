/**
 * recovery: the catalog from the repository alone, after the machine or the cluster is gone.
 *
 * Terms
 * - catalog record: one change the catalog made that no snapshot manifest tells (catalog/records.ts),
 *   kept in the catalog's outbox and, once pushed, as an encrypted `catalog/` object in a repository.
 * - push: giving a repository the records it does not have yet; every run that has both does it.
 * - rebuild: a new catalog from a repository's snapshots and records, replayed in the order they
 *   were made; what is missing or unreadable is named, and unknown stays unknown.
 *
 * It sits beside playbook/: it drives the engines (backup/, sast/) and the catalog, and is driven
 * by cli/, server/ and operator/.
 */
export { restorePointsIn, type RecoveredPoint, type RecoveredPoints } from './points.js';
export { pushCatalogRecords, type PushResult } from './push.js';
export { rebuildCatalog, replayOrder, type RebuildOptions, type RebuildSummary } from './rebuild.js';
