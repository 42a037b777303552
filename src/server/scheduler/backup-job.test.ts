/**
 * The scheduled backup's engine settings, in a real control plane (real repository on disk, real
 * catalog): a policy can make unreadable entries fatal, and retention that meets a prune or forget
 * holding the repository waits for the next backup instead of failing this one.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Repository, listSnapshots, readCatalogRecords } from '../../backup/index.js';
import { acquireExclusive } from '../../backup/repository/locks.js';
import { openBlobStore } from '../../storage/index.js';
import { baseYaml, testPlane } from '../testing.js';

/** An entry below the volume deeper than PATH_MAX: as root, the one entry a backup cannot read. Returns its removal (rm -rf walks it relatively; Node's rm cannot). */
function tooDeep(volume: string): () => void {
  const seg = 'd'.repeat(100);
  execFileSync('bash', ['-c', `cd "$1" && for i in $(seq 45); do mkdir ${seg} && cd ${seg}; done && echo deep > file`, 'bash', volume]);
  return () => execFileSync('rm', ['-rf', join(volume, seg)]);
}

describe('the scheduled backup', () => {
  const cases: [string, string, string, RegExp][] = [
    ['skips an unreadable entry by default, records the warning and succeeds', '', 'succeeded', /path longer than the system allows/],
    ['fails with failOnUnreadable: true, and makes no snapshot', '    failOnUnreadable: true\n', 'failed', /longer|too long/i],
  ];
  for (const [name, setting, status, message] of cases)
    it(name, async () => {
      const t = await testPlane({ yaml: baseYaml().replace('    retention: { keepLast: 3 }\n', `    retention: { keepLast: 3 }\n${setting}`) });
      const remove = tooDeep(join(t.dir, 'data'));
      try {
        const run = (await t.cp.scheduler.runNow('backup/hourly/data'))!;
        assert.equal(run.status, status, run.message);
        const said = status === 'failed' ? run.message! : t.cp.runs.logs(run.id).map((l) => l.message).join('\n');
        assert.match(said, message);
        assert.equal(t.cp.d.catalog.restorePoints.list({ volume: 'data' }).length, status === 'failed' ? 0 : 1);
      } finally {
        remove();
        await t.dispose();
      }
    });

  it('gives its repository the catalog records a rebuild needs, each once', async () => {
    const t = await testPlane({});
    try {
      t.cp.d.catalog.deployments.record({ workload: 'shop', commit: 'c1ea000', at: new Date('2026-03-01T12:00:00Z'), volumes: ['data'] });
      const run = (await t.cp.scheduler.runNow('backup/hourly/data'))!;
      assert.equal(run.status, 'succeeded', run.message);
      // The deploy recorded by hand, and the one this backup saw (the workload's version).
      assert.match(t.cp.runs.logs(run.id).map((l) => l.message).join('\n'), /pushed 2 catalog record\(s\) to the repository/);
      const repo = await Repository.open(await openBlobStore(join(t.dir, 'repo')), 'test-password-not-secret');
      const { records } = await readCatalogRecords(repo);
      assert.deepEqual(records.map((r) => `${r.record.kind} ${String(r.record.body.workload)}`).sort(), ['deployment app', 'deployment shop']);
      const again = (await t.cp.scheduler.runNow('backup/hourly/data'))!;
      assert.doesNotMatch(t.cp.runs.logs(again.id).map((l) => l.message).join('\n'), /pushed/);
      assert.equal((await readCatalogRecords(repo)).records.length, 2);
    } finally {
      await t.dispose();
    }
  });

  it('makes its snapshot and leaves retention for the next backup while a prune or forget holds the repository', async () => {
    const t = await testPlane({ yaml: baseYaml().replace('retention: { keepLast: 3 }', 'retention: { keepLast: 1 }') });
    try {
      assert.equal((await t.cp.scheduler.runNow('backup/hourly/data'))!.status, 'succeeded');
      const repo = await Repository.open(await openBlobStore(join(t.dir, 'repo')), 'test-password-not-secret');
      const lock = await acquireExclusive(repo, 'prune');
      let held: Awaited<ReturnType<typeof t.cp.scheduler.runNow>>;
      try {
        held = await t.cp.scheduler.runNow('backup/hourly/data');
      } finally {
        await lock.release();
      }
      assert.equal(held!.status, 'succeeded', held!.message);
      assert.deepEqual(held!.details.forgotten, []);
      assert.match(t.cp.runs.logs(held!.id).map((l) => l.message).join('\n'), /retention not applied this time: .*prune already running/);
      assert.equal((await listSnapshots(repo)).length, 2);
      // The next backup applies it.
      const next = (await t.cp.scheduler.runNow('backup/hourly/data'))!;
      assert.equal((next.details.forgotten as string[]).length, 2);
    } finally {
      await t.dispose();
    }
  });
});
