/**
 * Brings a catalog's schema up to date. Each migration runs once, in its own transaction, and is
 * recorded in `schema_migrations`; a catalog that has applied a migration this build does not know
 * was written by a newer Holdfast and is refused rather than guessed at.
 */
import type Database from 'better-sqlite3';
import { HoldfastError } from '../base/errors.js';
import type { Migration } from './migrations/types.js';

/**
 * Ids run 1, 2, 3 ... without gaps, except over `reserved` ids: numbers promised to work landing
 * in parallel, so that each piece keeps the number it was given. A reserved number is taken off
 * the list when its migration lands.
 */
export function checkMigrationList(list: readonly Migration[], reserved: readonly number[] = []): void {
  let expected = 1;
  for (const m of list) {
    while (reserved.includes(expected) && m.id !== expected) expected++;
    if (m.id !== expected) {
      throw new HoldfastError('BUG', 'bug', `catalog migration "${m.name}" has id ${m.id}, expected ${expected}: ids run 1, 2, 3 ... without gaps (reserved: ${reserved.join(', ') || 'none'})`);
    }
    expected++;
  }
}

export function migrate(db: Database.Database, list: readonly Migration[], location: string, now: () => Date, reserved: readonly number[] = []): number[] {
  checkMigrationList(list, reserved);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = db.prepare('SELECT id, name FROM schema_migrations ORDER BY id').all() as { id: number; name: string }[];
  const known = new Map(list.map((m) => [m.id, m]));
  const unknown = applied.filter((a) => known.get(a.id)?.name !== a.name);
  if (unknown.length > 0) {
    const u = unknown[0]!;
    throw new HoldfastError(
      'CATALOG_TOO_NEW',
      'conflict',
      `open catalog ${location}: it has migration ${u.id} "${u.name}", which this Holdfast does not know; it was written by a newer Holdfast — upgrade Holdfast or use another catalog`,
    );
  }
  const done = new Set(applied.map((a) => a.id));
  const ran: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)');
  for (const m of list) {
    if (done.has(m.id)) continue;
    db.transaction(() => {
      m.up(db);
      record.run(m.id, m.name, now().toISOString());
    }).immediate();
    ran.push(m.id);
  }
  return ran;
}
