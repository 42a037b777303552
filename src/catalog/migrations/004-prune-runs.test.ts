/** Migration 4 on a catalog written before it: rows and their logs kept, 'prune' accepted, the CHECK still checking. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Catalog } from '../catalog.js';
import { migrate } from '../migrate.js';
import { RunHistory } from '../run-history.js';
import { migrations } from './index.js';

test('a catalog from before prune runs keeps its runs and logs, then records prune runs and still refuses an unknown kind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-mig4-'));
  try {
    const path = join(dir, 'catalog.db');
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    old.pragma('foreign_keys = ON');
    migrate(old, migrations.slice(0, 3), path, () => new Date());
    const runs = new RunHistory(old);
    const r = runs.start({ kind: 'backup', policy: 'p', target: 'v', repository: 'local', scheduledFor: new Date(), startedAt: new Date() });
    runs.log(r.id, new Date(), 'info', 'before the migration');
    assert.throws(() => runs.start({ kind: 'prune', policy: 'local', target: 'local', repository: 'local', scheduledFor: new Date(), startedAt: new Date() }), /CHECK constraint failed/);
    old.close();

    const c = Catalog.open(path);
    try {
      const now = new RunHistory(c.db);
      assert.equal(now.get(r.id)!.kind, 'backup');
      assert.deepEqual(now.logs(r.id).map((l) => l.message), ['before the migration']);
      const p = now.start({ kind: 'prune', policy: 'local', target: 'local', repository: 'local', scheduledFor: new Date(), startedAt: new Date() });
      assert.equal(now.finish(p.id, new Date(), { status: 'succeeded', bytes: 42 })!.bytes, 42);
      assert.throws(() => c.db.prepare(`INSERT INTO runs (kind, policy, target, scheduled_for, status) VALUES ('compact', 'x', 'x', 'now', 'missed')`).run(), /CHECK constraint failed/);
      assert.equal(c.db.pragma('integrity_check', { simple: true }), 'ok');
      assert.equal(c.db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys stay on');
    } finally {
      c.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
