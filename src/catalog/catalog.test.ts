import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Catalog } from './catalog.js';
import { migrations, reservedMigrationIds, type Migration } from './migrations/index.js';
import { checkMigrationList } from './migrate.js';
import { tempCatalog } from './testing.js';
import { isHoldfastError } from '../base/errors.js';

test('a new catalog applies every migration once, records it, and uses WAL', () => {
  const t = tempCatalog();
  try {
    const rows = t.catalog.db.prepare('SELECT id, name FROM schema_migrations ORDER BY id').all();
    assert.deepEqual(rows, migrations.map((m) => ({ id: m.id, name: m.name })));
    assert.equal(t.catalog.db.pragma('journal_mode', { simple: true }), 'wal');
    t.catalog.close();
    const again = Catalog.open(t.path);
    assert.equal((again.db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n, migrations.length);
    again.close();
  } finally {
    t.dispose();
  }
});

test('the migration list numbers its files 1, 2, 3 without gaps, except over reserved numbers', () => {
  assert.doesNotThrow(() => checkMigrationList(migrations, reservedMigrationIds));
  const gap: Migration[] = [migrations[0]!, { id: 3, name: 'x', up() {} }];
  assert.throws(() => checkMigrationList(gap), /expected 2/);
  assert.doesNotThrow(() => checkMigrationList(gap, [2]));
  assert.throws(() => checkMigrationList(gap, [5]), /expected 2/, 'only a reserved number may be skipped');
  const landed: Migration[] = [...gap.slice(0, 1), { id: 2, name: 'y', up() {} }, gap[1]!];
  assert.doesNotThrow(() => checkMigrationList(landed, [2]), 'a reserved number that has landed is simply used');
});

test('a catalog written by a newer Holdfast is refused with a clear error', () => {
  const t = tempCatalog();
  try {
    t.catalog.db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(999, 'from-the-future', new Date().toISOString());
    t.catalog.close();
    assert.throws(
      () => Catalog.open(t.path),
      (e: unknown) => isHoldfastError(e, 'CATALOG_TOO_NEW') && /migration 999 "from-the-future".*newer Holdfast/.test(e.message),
    );
  } finally {
    t.dispose();
  }
});

test('a migration that fails leaves nothing of itself behind and is retried next open', () => {
  const t = tempCatalog();
  try {
    t.catalog.close();
    const broken: Migration = {
      id: migrations.at(-1)!.id + 1,
      name: 'broken',
      up(db) {
        db.exec('CREATE TABLE half_done (x)');
        throw new Error('boom');
      },
    };
    assert.throws(() => Catalog.open(t.path, { migrations: [...migrations, broken] }), /boom/);
    const db = new Database(t.path);
    assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get(), undefined);
    assert.equal(db.prepare('SELECT id FROM schema_migrations WHERE id = ?').get(broken.id), undefined);
    db.close();
    const fixed: Migration = { ...broken, up: (d) => d.exec('CREATE TABLE half_done (x)') };
    Catalog.open(t.path, { migrations: [...migrations, fixed] }).close();
  } finally {
    t.dispose();
  }
});

test('a file that is not a database is reported as such, not as a crash', () => {
  const t = tempCatalog();
  try {
    const p = join(t.dir, 'junk.db');
    writeFileSync(p, 'this is not sqlite, just some text that is long enough to have a header'.repeat(20));
    assert.throws(() => Catalog.open(p), (e: unknown) => isHoldfastError(e, 'CATALOG_NOT_A_DATABASE') && e.message.includes(p));
    assert.throws(() => Catalog.open(join(t.dir, 'no', 'such', 'dir.db')), (e: unknown) => isHoldfastError(e, 'CATALOG_DIR_MISSING'));
  } finally {
    t.dispose();
  }
});
