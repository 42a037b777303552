import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createLogger } from '../../base/log.js';
import { IncidentStore } from '../../catalog/incidents.js';
import { baseYaml, testPlane } from '../testing.js';

/**
 * Another process holding the catalog's write lock (a large `holdfast sast ingest` beside serve):
 * here a second connection in BEGIN IMMEDIATE, and a 50 ms busy timeout so each refused write is
 * quick. Serve once died of it: the scheduler's timer threw "database is locked".
 */
function capture(): { lines: string[]; log: ReturnType<typeof createLogger>; saw(re: RegExp): number } {
  const lines: string[] = [];
  return {
    lines,
    log: createLogger({ level: 'info', json: true, write: (l) => lines.push(l) }),
    saw: (re) => lines.filter((l) => re.test(l)).length,
  };
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (const end = Date.now() + 60_000; !ok(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the scheduler while another process holds the catalog', () => {
  it('keeps ticking, says so once, and runs the due backup once the lock is gone', async () => {
    const c = capture();
    const t = await testPlane({ log: c.log });
    const other = new Database(join(t.dir, 'state', 'catalog.db'));
    try {
      t.cp.d.catalog.db.pragma('busy_timeout = 50');
      t.cp.scheduler.tick(); // first look: the mark
      other.exec('BEGIN IMMEDIATE');
      t.clock.set(new Date('2026-12-01T09:00:01Z'));
      assert.doesNotThrow(() => t.cp.scheduler.tick());
      assert.doesNotThrow(() => t.cp.scheduler.tick());
      assert.equal(c.saw(/locked by another process: nothing is scheduled/), 1, 'said once, not every tick');
      assert.equal(t.cp.runs.list().length, 0);

      other.exec('COMMIT');
      t.cp.scheduler.tick();
      await t.cp.scheduler.idle();
      const [run] = t.cp.runs.list({ kind: 'backup' });
      assert.equal(run?.status, 'succeeded', run?.message);
      assert.equal(run.scheduledFor.toISOString(), '2026-12-01T09:00:00.000Z', 'the run the lock held back, not a later one');
      assert.equal(c.saw(/scheduling resumes/), 1);
    } finally {
      other.close();
      await t.dispose();
    }
  });

  it('keeps the restore point and the run of a backup that finishes while the catalog is locked', async () => {
    const c = capture();
    // The post-hook runs after the snapshot is made and before anything is recorded: it waits
    // there until the test holds the lock.
    const yaml = baseYaml().replace('command: "rm -f quiesced", timeout: 5s', 'command: "rm -f quiesced; touch hooked; while [ ! -f locked ]; do sleep 0.05; done", timeout: 120s');
    const t = await testPlane({ yaml, log: c.log });
    const other = new Database(join(t.dir, 'state', 'catalog.db'));
    try {
      t.cp.d.catalog.db.pragma('busy_timeout = 50');
      const running = t.cp.scheduler.runNow('backup/hourly/data');
      await until('the post-hook', () => existsSync(join(t.dir, 'hooked'))).catch((e: Error) => assert.fail(`${e.message}; serve said:\n${c.lines.join('\n')}`));
      other.exec('BEGIN IMMEDIATE');
      writeFileSync(join(t.dir, 'locked'), '');
      await until('the restore point to wait', () => c.saw(/the restore points wait for it/) > 0);
      assert.equal(t.cp.d.catalog.restorePoints.list({ volume: 'data' }).length, 0);
      other.exec('COMMIT');

      const run = await running;
      assert.equal(run?.status, 'succeeded', run?.message);
      const [point] = t.cp.d.catalog.restorePoints.list({ volume: 'data' });
      assert.equal(point?.snapshotId, run.snapshotId, 'the snapshot made under the lock has its restore point');
    } finally {
      other.close();
      await t.dispose();
    }
  });

  it('answers an API write it cannot make with 503 CATALOG_BUSY and Retry-After; a run asked for waits in the queue', async () => {
    const t = await testPlane();
    const other = new Database(join(t.dir, 'state', 'catalog.db'));
    try {
      t.cp.d.catalog.db.pragma('busy_timeout = 50');
      new IncidentStore(t.cp.d.catalog.db, () => t.clock.now()).create({ id: 'inc-1', playbook: 'restore-secure-and-rotate', volume: 'data', status: 'proposed', configFile: 'holdfast.yaml', params: { volume: 'data', target: { severity: 'high' } }, steps: [{ step: 'assess', uses: 'assess' }] });
      const abort = () => t.app.inject({ method: 'POST', url: '/api/v1/incidents/inc-1/abort', headers: { authorization: `Bearer ${t.token}` } });
      other.exec('BEGIN IMMEDIATE');
      const refused = await abort();
      assert.equal(refused.statusCode, 503, refused.body);
      assert.equal(refused.json().code, 'CATALOG_BUSY');
      assert.equal(refused.headers['retry-after'], '5');
      assert.match(refused.json().message, /^POST \/api\/v1\/incidents\/inc-1\/abort: the catalog is locked by another process/);
      const runNow = await t.app.inject({ method: 'POST', url: '/api/v1/jobs/backup/hourly/data/run', headers: { authorization: `Bearer ${t.token}` } });
      assert.equal(runNow.statusCode, 202, runNow.body);
      assert.equal(runNow.json().queued, true, 'queued: it starts once the catalog takes it');
      assert.equal(t.cp.runs.list().length, 0);

      other.exec('COMMIT');
      const done = await abort();
      assert.equal(done.statusCode, 200, done.body);
      assert.equal(t.cp.incidents.get('inc-1')?.incident.status, 'aborted');
      t.cp.scheduler.tick();
      await t.cp.scheduler.idle();
      assert.deepEqual(t.cp.runs.list().map((r) => [r.kind, r.status]), [['backup', 'succeeded']]);
    } finally {
      other.close();
      await t.dispose();
    }
  });
});
