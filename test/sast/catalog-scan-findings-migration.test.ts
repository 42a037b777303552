/** Migration 14 on a catalog with ingested scans: every occurrence kept, verdict and history read the same, one B-tree left. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ingestBytes } from '../../src/sast/ingest.js';
import { commit1, commit2, result, sarifOf } from '../../src/sast/testing.js';
import { Catalog } from '../../src/catalog/catalog.js';
import { FindingHistory } from '../../src/catalog/finding-history.js';
import { migrations } from '../../src/catalog/migrations/index.js';

const clock = { now: () => new Date('2026-03-01T00:00:00Z') };
const env = (commit: string) => ({ repository: 'github.com/acme/shop', commit, ref: 'refs/heads/main' });

test('a catalog with scans from before migration 14 keeps every occurrence, and reads them the same', () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-mig14-'));
  try {
    const path = join(dir, 'catalog.db');
    // Ingested through today's code against the old schema: only the migrations differ.
    const before = Catalog.open(path, { migrations: migrations.filter((m) => m.id < 14) });
    const report = (n: number) => sarifOf('Bandit', Array.from({ length: n }, (_, i) => result(`B${i % 3}`, `src/f${i}.py`, i + 1, `call_${i}()`, i === 0 ? { suppressions: [{ kind: 'inSource' }] } : {})));
    ingestBytes(report(5), env(commit1), { catalog: before, clock, name: 'a.sarif' });
    ingestBytes(report(3), env(commit2), { catalog: before, clock, name: 'b.sarif' });
    const rows = before.db.prepare('SELECT * FROM scan_findings ORDER BY scan_id, finding_id').all();
    const history = new FindingHistory(before.db).findingsOfCommit(commit1);
    before.close();
    assert.equal(rows.length, 8);

    const c = Catalog.open(path);
    try {
      assert.deepEqual(c.db.prepare('SELECT * FROM scan_findings ORDER BY scan_id, finding_id').all(), rows);
      assert.deepEqual(new FindingHistory(c.db).findingsOfCommit(commit1), history);
      assert.equal(history.size, 4, 'the suppressed one is not carried');
      const indexes = (c.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'scan_findings'").all() as { name: string }[]).map((r) => r.name);
      assert.deepEqual(indexes, [], 'no index beside the table, which is its primary key');
      assert.match(String((c.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'scan_findings'").get() as { sql: string }).sql), /WITHOUT ROWID/);
      assert.equal(c.db.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(c.db.pragma('foreign_key_check'), []);
    } finally {
      c.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
