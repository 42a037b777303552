/**
 * catalog: Holdfast's index in one SQLite file.
 *
 * Terms
 * - application: a source repository ("github.com/acme/shop").
 * - version: one commit of an application; image digests built from it belong to it.
 * - deployment: a version running on a workload from `startedAt` until `endedAt` (open = running).
 * - scan: one SARIF run ingested for a version on a ref, by a tool, in a category.
 * - finding: one problem followed across the scans of a stream (application, ref, tool, category).
 * - restore point: a snapshot in a backup repository with its provenance (what wrote the data).
 * - audit event: who did what to which object, and when.
 *
 * The catalog is an index, not the truth: restore points can be rebuilt from the backup
 * repository's manifests (recording is an idempotent upsert by snapshot id), and losing the file
 * loses no backup. It is opened in WAL mode; one writer at a time, readers never block.
 *
 * Adding tables (other engineers: this is how)
 * 1. Create `migrations/NNN-<name>.ts` with the next free number, exporting
 *    `export const myThing: Migration = { id: NNN, name: 'my-thing', up(db) { db.exec('CREATE TABLE ...') } }`.
 *    `up` runs inside a transaction the migrator opens: no BEGIN/COMMIT inside.
 * 2. Import it in `migrations/index.ts` and append it to the `migrations` list (ids must run 1, 2, 3
 *    ... without gaps; a test checks it).
 * 3. Never edit or renumber a committed migration: change the schema with a new one (ALTER TABLE ...).
 * 4. Put the queries in a store file of your own (e.g. `run-history.ts`) that takes `catalog.db`:
 *    `new RunHistory(catalog.db)`; the Catalog class only wires the core stores.
 * A catalog that has applied a migration this build does not know was written by a newer Holdfast;
 * `Catalog.open` refuses it with code CATALOG_TOO_NEW instead of guessing.
 */
export { Catalog, type OpenOptions } from './catalog.js';
export { migrations, type Migration } from './migrations/index.js';
export { checkCommit, checkDigest, VersionStore, type VersionRow, type UpsertVersion } from './versions.js';
export { DeploymentStore, type DeploymentRow, type RecordDeployment } from './deployments.js';
export {
  SastStore,
  type Stream,
  type NewScan,
  type ScanRow,
  type ScanStatus,
  type FindingRow,
  type FindingState,
  type FindingFilter,
  type StreamEntry,
  type MatchEntry,
  type RuleInfo,
} from './sast-store.js';
export { RestorePointStore, type RestorePoint, type RestorePointProvenance, type RestorePointSignals, type RestorePointSuspicion, type RestorePointReview, type RestorePointWorkload } from './restore-points.js';
export { clearSuspicion } from './restore-point-review.js';
export { AuditLog, type AuditEvent } from './audit.js';
export { CatalogRecordLog, catalogRecordKinds, CATALOG_RECORD_FORMAT, type CatalogRecord, type CatalogRecordKind } from './records.js';
