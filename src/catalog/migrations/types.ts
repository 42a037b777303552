/** One step of the catalog schema. Applied once, inside a transaction, in `id` order. */
import type Database from 'better-sqlite3';

export interface Migration {
  /** 1, 2, 3 ... matching the file's number; never reused, never renumbered once committed. */
  readonly id: number;
  /** Short name for `schema_migrations` and error messages, e.g. "core". */
  readonly name: string;
  /** Runs inside a transaction opened by the migrator: no BEGIN/COMMIT here. */
  up(db: Database.Database): void;
}
