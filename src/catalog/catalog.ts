/**
 * The Catalog: one SQLite file (WAL mode, so readers never block the writer) holding Holdfast's
 * index. Each concept has its own store on the catalog (`catalog.versions`, `.deployments`,
 * `.sast`, `.restorePoints`, `.audit`); other layers add theirs the same way.
 */
import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { existsSync } from 'node:fs';
import { corrupt, errnoCode, fromSystemError, notFound } from '../base/errors.js';
import { migrate } from './migrate.js';
import { migrations as allMigrations, reservedMigrationIds, type Migration } from './migrations/index.js';
import { VersionStore } from './versions.js';
import { DeploymentStore } from './deployments.js';
import { SastStore } from './sast-store.js';
import { RestorePointStore, type RestorePoint } from './restore-points.js';
import { AuditLog } from './audit.js';
import { CatalogRecordLog } from './records.js';

export interface OpenOptions {
  /** Time source for recorded_at / audit times; defaults to the system clock. */
  now?: () => Date;
  /** Only for tests of the migrator itself. */
  migrations?: readonly Migration[];
  readonly?: boolean;
}

export class Catalog {
  readonly versions: VersionStore;
  readonly deployments: DeploymentStore;
  readonly sast: SastStore;
  readonly restorePoints: RestorePointStore;
  readonly audit: AuditLog;
  /** The outbox of records a rebuild needs (records.ts). */
  readonly records: CatalogRecordLog;

  private constructor(
    /** The raw database, for stores other layers add; prefer a store method where one exists. */
    readonly db: Database.Database,
    readonly location: string,
    readonly now: () => Date,
  ) {
    this.versions = new VersionStore(db, now);
    this.deployments = new DeploymentStore(db, this.versions, now);
    this.sast = new SastStore(db);
    this.restorePoints = new RestorePointStore(db, now);
    this.audit = new AuditLog(db, now);
    this.records = new CatalogRecordLog(db);
  }

  /** Opens (creating when absent) and migrates the catalog at `path` (":memory:" for tests). */
  static open(path: string, options: OpenOptions = {}): Catalog {
    const now = options.now ?? (() => new Date());
    if (path !== ':memory:' && !existsSync(dirname(path) || '.')) {
      throw notFound('CATALOG_DIR_MISSING', `open catalog ${path}: directory ${dirname(path)} does not exist`);
    }
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    } catch (e) {
      throw fromSystemError(`open catalog ${path}`, e);
    }
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      // WAL + NORMAL: a crash can lose the last commits but never corrupts; the catalog is an index.
      db.pragma('synchronous = NORMAL');
      db.pragma('cache_size = -32768');
      if (!options.readonly) migrate(db, options.migrations ?? allMigrations, path, now, reservedMigrationIds);
    } catch (e) {
      db.close();
      if (errnoCode(e) === 'SQLITE_NOTADB' || errnoCode(e) === 'SQLITE_CORRUPT') {
        throw corrupt('CATALOG_NOT_A_DATABASE', `open catalog ${path}: the file is not a SQLite database`, e);
      }
      throw e;
    }
    return new Catalog(db, path, now);
  }

  /**
   * Indexes one snapshot as a restore point: an idempotent upsert by snapshot id, so the engine,
   * the control plane's sync from the repository, and a rebuild all converge on the same rows.
   */
  recordRestorePoint(p: RestorePoint): RestorePoint {
    return this.restorePoints.record(p);
  }

  /** Runs `fn` in one immediate transaction: all of it is written, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
