/**
 * The scheduled prune in process: its decisions as tables, then the job in a real control plane
 * (real repository on disk, real catalog, real Fastify app via inject, a real webhook receiver) with
 * a manual clock set ahead of the wall clock, so packs written now are older than the grace period.
 * The story under the real `holdfast serve` is test/e2e/prune-serve.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WebhookReceiver } from '../../../test/harness/webhook.js';
import { IncidentStore } from '../../catalog/incidents.js';
import { parseConfig } from '../../config/index.js';
import type { PruneOutcome } from '../ports.js';
import { baseYaml, testPlane } from '../testing.js';
import { decidePruneHold, describePrune } from './prune-decisions.js';

const ahead = () => new Date(Date.now() + 2 * 3_600_000);

/** Bytes of every file under a directory (what `du` counts, without block rounding). */
function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  return n;
}

describe('prune decisions', () => {
  const job = { id: 'prune/local' };
  const cases: [string, Parameters<typeof decidePruneHold>[0]['volumes'], boolean, RegExp][] = [
    ['runs when no volume of the repository has an incident', [{ volume: 'a', incident: undefined }], false, /no incident/],
    ['runs for a repository no policy backs up into', [], false, /no incident/],
    [
      'waits while an incident runs on any one of its volumes',
      [{ volume: 'a', incident: undefined }, { volume: 'b', incident: { id: 'inc-1', runnerPid: 42, interrupted: false } }],
      true,
      /^prune\/local skipped: incident inc-1 is running on volume b$/,
    ],
    [
      'keeps waiting while that incident is interrupted, and says to resume or abort it',
      [{ volume: 'a', incident: { id: 'inc-2', runnerPid: 7, interrupted: true } }],
      true,
      /incident inc-2 was interrupted on volume a \(process 7 is gone; resume or abort it\)/,
    ],
  ];
  for (const [name, volumes, skip, message] of cases)
    it(name, () => {
      const d = decidePruneHold({ job, volumes });
      assert.equal(d.skip, skip);
      assert.equal(d.reason, skip ? 'IncidentActive' : 'NoIncident');
      assert.match(d.message, message);
    });

  const none: PruneOutcome = { freedBytes: 0, deletedBytes: 0, deletedPacks: 0, condemnedPacks: 0, repackedPacks: 0, rescuedPacks: 0, deletedOrphans: 0, deferred: [], held: 0 };
  const lines: [string, Partial<PruneOutcome>, string][] = [
    ['says nothing was freed when nothing was unreferenced', {}, 'freed 0 B (0 pack(s) deleted)'],
    ['names the bytes and packs freed', { freedBytes: 3 << 20, deletedBytes: 3 << 20, deletedPacks: 4, condemnedPacks: 4 }, 'freed 3.00 MiB (4 pack(s) deleted), 4 pack(s) condemned'],
    [
      'says how much the deleted packs held when repacking wrote part of them again',
      { freedBytes: 3 << 20, deletedBytes: 5 << 20, deletedPacks: 4, condemnedPacks: 4, repackedPacks: 1 },
      'freed 3.00 MiB (4 pack(s) deleted, 1 of them repacked: 5.00 MiB deleted), 4 pack(s) condemned',
    ],
    [
      'says what waits for a live backup',
      { condemnedPacks: 2, deferred: ['2 packs wait for 1 backup(s) running since 2026-12-01T03:17:00.000Z'] },
      'freed 0 B (0 pack(s) deleted), 2 pack(s) condemned, deferred 1 plan(s): 2 packs wait for 1 backup(s) running since 2026-12-01T03:17:00.000Z',
    ],
  ];
  for (const [name, r, line] of lines) it(name, () => assert.equal(describePrune({ ...none, ...r }), line));
});

describe('prune in the config', () => {
  const repo = (extra: string) =>
    parseConfig(baseYaml().replace('password: { env: HF_TEST_PASSWORD } }', `password: { env: HF_TEST_PASSWORD }${extra} }`), 'holdfast.yaml').config.repositories.local!;
  it('prunes daily at a quiet hour with a one-hour grace by default', () => {
    assert.deepEqual(repo(''), { ...repo(''), prune: { schedule: '17 3 * * *', grace: 3_600_000, timeout: 7_200_000, missedAfter: 3_600_000 } });
  });
  it('turns off with prune: false', () => assert.equal(repo(', prune: false').prune, false));
  it('refuses prune: true with what it takes instead', () =>
    assert.throws(() => repo(', prune: true'), /repositories\.local\.prune: prune is false \(off\) or \{ schedule, grace \}/));
  it('refuses a bad schedule at its line', () =>
    assert.throws(() => repo(', prune: { schedule: "every day" }'), /repositories\.local\.prune.*invalid cron expression "every day"/s));
});

describe('the scheduled prune in the control plane', () => {
  const yaml = (extra = '') =>
    baseYaml(extra).replace('retention: { keepLast: 3 }', 'retention: { keepLast: 1 }').replace('password: { env: HF_TEST_PASSWORD } }', 'password: { env: HF_TEST_PASSWORD }, prune: { schedule: "17 3 * * *", grace: 1h } }');

  it('frees what retention forgot, records the run, its metrics and timeline entry, and a verified restore reads every chunk afterwards', async () => {
    const t = await testPlane({ yaml: yaml(), start: ahead() });
    try {
      const big = join(t.dir, 'data', 'big.bin');
      writeFileSync(big, randomBytes(2 << 20));
      assert.equal((await t.cp.scheduler.runNow('backup/hourly/data'))!.status, 'succeeded');
      t.clock.advance(3_600_000);
      writeFileSync(big, randomBytes(2 << 20));
      const second = await t.cp.scheduler.runNow('backup/hourly/data');
      assert.equal((second!.details.forgotten as string[]).length, 1, 'retention forgot the first snapshot');
      const before = dirBytes(join(t.dir, 'repo'));

      const res = await t.app.inject({ method: 'POST', url: '/api/v1/jobs/prune/local/run', headers: { authorization: `Bearer ${t.token}` } });
      assert.equal(res.statusCode, 202, res.body);
      await t.cp.scheduler.idle();
      const [run] = t.cp.runs.list({ kind: 'prune' });
      assert.equal(run!.status, 'succeeded', run!.message);
      const freed = before - dirBytes(join(t.dir, 'repo'));
      assert.ok(run!.bytes! >= 2 << 20, `the run says ${run!.bytes} bytes freed`);
      assert.ok(freed >= 2 << 20, `the repository shrank by ${freed} bytes`);
      assert.ok((run!.details.deletedPacks as number) >= 1);
      assert.deepEqual(run!.details.deferred, []);
      assert.match(run!.message!, /^freed \d.* MiB \(\d+ pack\(s\) deleted/);

      const metrics = (await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${t.token}` } })).body;
      assert.match(metrics, new RegExp(`holdfast_prune_last_freed_bytes\\{repository="local"\\} ${run!.bytes}`));
      assert.match(metrics, /holdfast_prune_last_run_failed\{repository="local"\} 0/);
      assert.match(metrics, /holdfast_prune_last_deferred_plans\{repository="local"\} 0/);
      const tl = (await t.app.inject({ method: 'GET', url: '/api/v1/timeline', headers: { authorization: `Bearer ${t.token}` } })).json() as { type: string; title: string; detail: string }[];
      assert.ok(tl.some((e) => e.type === 'prune' && e.title === 'prune local/local' && e.detail === run!.message), JSON.stringify(tl.slice(0, 5)));

      const verify = await t.cp.scheduler.runNow('verify/hourly/data');
      assert.equal(verify!.status, 'succeeded', verify!.message);
      assert.equal(t.cp.evidence.verifications({ volume: 'data' })[0]!.result, 'passed');
    } finally {
      await t.dispose();
    }
  });

  it('is skipped with its reason while an incident runs on a volume of the repository, and alerts nothing', async () => {
    const t = await testPlane({ yaml: yaml(), start: ahead() });
    try {
      const store = new IncidentStore(t.cp.d.catalog.db, () => t.clock.now());
      store.create({ id: 'inc-held', playbook: 'restore-secure-and-rotate', volume: 'data', status: 'running', configFile: 'x', params: {}, runnerPid: process.pid, steps: [{ step: 'assess', uses: 'assess' }] });
      assert.equal(t.cp.scheduler.trigger('prune/local'), true);
      const [run] = t.cp.runs.list({ kind: 'prune' });
      assert.deepEqual([run!.status, run!.reason], ['missed', 'IncidentActive']);
      assert.match(run!.message!, /^prune\/local skipped: incident inc-held (is running|was interrupted) on volume data/);
      await t.cp.alerter.idle();
      assert.deepEqual(t.cp.evidence.alerts({ limit: 10 }), []);
    } finally {
      await t.dispose();
    }
  });

  it('fails with the engine\'s reason and alerts prune-failed when the repository cannot be opened', async () => {
    const hook = new WebhookReceiver();
    const url = await hook.start();
    const t = await testPlane({ yaml: yaml(`alerts:\n  webhooks: [{ name: ops, url: "${url}" }]\n`), start: ahead() });
    try {
      assert.equal((await t.cp.scheduler.runNow('backup/hourly/data'))!.status, 'succeeded');
      // The disk holding the repository was swapped for an empty one: the prune cannot find it.
      renameSync(join(t.dir, 'repo', 'config'), join(t.dir, 'repo-config'));
      const run = await t.cp.scheduler.runNow('prune/local');
      assert.deepEqual([run!.status, run!.reason], ['failed', 'REPO_NOT_FOUND']);
      const a = await hook.waitFor((x) => x.event === 'prune-failed');
      assert.equal(a.key, 'prune/local:REPO_NOT_FOUND');
      assert.match(a.summary, /no repository there/);
      const metrics = (await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${t.token}` } })).body;
      assert.match(metrics, /holdfast_prune_last_run_failed\{repository="local"\} 1/);
    } finally {
      await t.dispose();
      await hook.close();
    }
  });

  it('is not scheduled for a repository with prune: false', async () => {
    const t = await testPlane({ yaml: yaml().replace('prune: { schedule: "17 3 * * *", grace: 1h }', 'prune: false') });
    try {
      assert.deepEqual(t.cp.scheduler.list().filter((j) => j.kind === 'prune'), []);
    } finally {
      await t.dispose();
    }
  });
});
