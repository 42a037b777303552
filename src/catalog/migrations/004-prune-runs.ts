/**
 * Lets the runs table record scheduled prunes (kind 'prune'): `holdfast serve` frees what retention
 * forgot. SQLite cannot alter a CHECK constraint, and rebuilding `runs` inside the migrator's
 * transaction is refused by the foreign keys of run_logs and verifications (foreign_keys cannot be
 * switched off inside a transaction). Widening a CHECK changes no stored row, so this uses SQLite's
 * documented procedure for such changes (https://sqlite.org/lang_altertable.html#otheralter):
 * rewrite the table's SQL in sqlite_schema and bump schema_version, in the same transaction.
 */
import { HoldfastError } from '../../base/errors.js';
import type { Migration } from './types.js';

const before = `CHECK (kind IN ('backup', 'verify', 'certificate', 'report'))`;
const after = `CHECK (kind IN ('backup', 'verify', 'certificate', 'report', 'prune'))`;

export const pruneRuns: Migration = {
  id: 4,
  name: 'prune-runs',
  up(db) {
    // better-sqlite3 opens connections in defensive mode, which forbids writing sqlite_schema.
    db.unsafeMode(true);
    try {
      const version = db.pragma('schema_version', { simple: true }) as number;
      db.pragma('writable_schema = ON');
      const r = db
        .prepare(`UPDATE sqlite_schema SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'runs'`)
        .run(before, after);
      if (r.changes !== 1) throw new HoldfastError('BUG', 'bug', `catalog migration prune-runs: the runs table does not have the CHECK of migration 2`);
      db.pragma(`schema_version = ${version + 1}`);
      db.pragma('writable_schema = OFF');
      const ok = db.pragma('integrity_check', { simple: true });
      if (ok !== 'ok') throw new HoldfastError('BUG', 'bug', `catalog migration prune-runs: integrity check: ${String(ok)}`);
    } finally {
      db.unsafeMode(false);
    }
  },
};
