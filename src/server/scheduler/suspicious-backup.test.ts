/**
 * Ransomware signals end to end in a real control plane (real repository on disk, real catalog, a
 * real webhook receiver, the real API via inject): an office share backed up daily with ordinary
 * churn, then a ransomware pass that encrypts 60 % of its documents with AES and renames them to
 * .locked. The next backup is marked suspicious and alerted; retention keeps the last clean points;
 * the restore-point choice picks the last clean one, unless the operator allows suspicious points.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WebhookReceiver } from '../../../test/harness/webhook.js';
import { documentsDay, ransomwarePass, writeDocuments } from '../../../test/harness/volume-churn.js';
import { Repository, listSnapshots } from '../../backup/index.js';
import { Catalog, clearSuspicion } from '../../catalog/index.js';
import { pushCatalogRecords, rebuildCatalog } from '../../recovery/index.js';
import { chooseRestorePoint, explainChoice } from '../../policy/restore-point.js';
import { gatherChooseInput } from '../../policy/restore-point-evidence.js';
import { loadPlaybook, planIncident } from '../../playbook/plan.js';
import { ingestBytes } from '../../sast/ingest.js';
import { sarifOf } from '../../sast/testing.js';
import { openBlobStore } from '../../storage/index.js';
import { baseYaml, commit, testPlane } from '../testing.js';

const DAY = 86_400_000;

describe('a backup after a ransomware pass', () => {
  it('is marked suspicious and alerted; retention keeps the clean points before it and the choice restores the last of them', async () => {
    const hook = new WebhookReceiver();
    const url = await hook.start();
    const t = await testPlane({ yaml: baseYaml(`alerts:\n  webhooks: [{ name: ops, url: "${url}" }]\n`) });
    try {
      const data = join(t.dir, 'data');
      writeDocuments(data, 200);
      // The version that wrote the volume was scanned clean, so only the signals decide the choice.
      ingestBytes(sarifOf('semgrep', []), { repository: 'github.com/holdfast/shop', commit, ref: 'refs/heads/main' }, { catalog: t.cp.d.catalog, clock: t.clock, name: 'clean.sarif' });
      const backup = async () => {
        t.clock.set(new Date(t.clock.now().getTime() + DAY));
        const run = (await t.cp.scheduler.runNow('backup/hourly/data'))!;
        assert.equal(run.status, 'succeeded', run.message);
        return run;
      };

      const clean: string[] = [];
      for (let day = 1; day <= 8; day++) {
        if (day > 1) documentsDay(data, day);
        const run = await backup();
        const suspicion = run.details.suspicion as { verdict: string; reasons: string[] };
        // Day 1 has no parent, days 2-6 build the history of 5; from day 7 on each is judged.
        assert.equal(suspicion.verdict, day <= 6 ? 'unjudged' : 'normal', `day ${day}: ${suspicion.reasons.join('; ')}`);
        clean.push(run.snapshotId!);
      }
      assert.equal(hook.received.length, 0);

      const encrypted = ransomwarePass(data, 0.6);
      const attacked = await backup();
      const suspicion = attacked.details.suspicion as { verdict: string; reasons: string[] };
      assert.equal(suspicion.verdict, 'suspicious');
      assert.match(suspicion.reasons.join('\n'), new RegExp(`^${encrypted.length} files renamed to \\.locked with new content \\(history: median 0\\)$`, 'm'));
      assert.match(suspicion.reasons.join('\n'), /^100% of new data is incompressible \(history: /m);
      assert.match(t.cp.runs.logs(attacked.id).map((l) => l.message).join('\n'), /volume data: backup \w+ is suspicious: /);
      const alert = await hook.waitFor((a) => a.event === 'backup-suspicious');
      assert.equal(alert.severity, 'critical');
      assert.equal(alert.details.snapshotId, attacked.snapshotId);
      assert.match(alert.summary, /files renamed to \.locked/);

      // Life goes on for two more days: the encrypted files are unchanged, so those backups look normal.
      const after: string[] = [];
      for (let day = 10; day <= 11; day++) {
        documentsDay(data, day);
        const run = await backup();
        assert.equal((run.details.suspicion as { verdict: string }).verdict, 'normal');
        after.push(run.snapshotId!);
      }

      // keepLast 3 alone would keep only the attacked point and the two after it.
      const repo = await Repository.open(await openBlobStore(join(t.dir, 'repo')), 'test-password-not-secret');
      const kept = (await listSnapshots(repo)).map((s) => s.id);
      assert.deepEqual(kept, [...clean.slice(-3), attacked.snapshotId, ...after]);

      const points = t.cp.d.catalog.restorePoints.list({ volume: 'data' });
      assert.equal(points.find((p) => p.snapshotId === attacked.snapshotId)?.suspicion?.verdict, 'suspicious');
      const choice = chooseRestorePoint(gatherChooseInput(t.cp.d.catalog, 'data', { severity: 'high' }));
      assert.equal(choice.snapshotId, clean.at(-1), explainChoice(choice));
      assert.match(explainChoice(choice), new RegExp(`restore point ${attacked.snapshotId} .* is marked suspicious: .*${encrypted.length} files renamed to \\.locked`));
      const allowed = chooseRestorePoint(gatherChooseInput(t.cp.d.catalog, 'data', { severity: 'high' }, 'refuse', true));
      assert.equal(allowed.snapshotId, after.at(-1));
      // An incident plan (what `holdfast incident plan` prints) restores the same clean point, and says why. This
      // workload has no start command, so the plan is of a playbook that restores without restarting it.
      const playbook = join(t.dir, 'restore-only.yaml');
      writeFileSync(playbook, 'playbook: restore-only\nsteps:\n  - { id: assess, uses: assess }\n  - { id: choose, uses: choose-restore-point, needs: [assess] }\n  - { id: evidence, uses: preserve-evidence, needs: [choose] }\n  - { id: restore, uses: restore, needs: [evidence] }\n');
      const params = { volume: 'data', target: { severity: 'high' as const }, onUnknown: 'refuse' as const, rotateCa: false, healthPath: '/healthz' };
      const { plan } = planIncident(t.cp.d.loaded, t.cp.d.catalog, params, loadPlaybook(playbook));
      assert.equal(plan.choice.snapshotId, clean.at(-1), explainChoice(plan.choice));
      assert.deepEqual(plan.choice.suspicious?.map((x) => [x.snapshotId, x.skipped]), [[attacked.snapshotId, true]]);
      assert.equal(planIncident(t.cp.d.loaded, t.cp.d.catalog, { ...params, allowSuspicious: true }, loadPlaybook(playbook)).plan.choice.snapshotId, after.at(-1));

      // The API shows the signals and the mark per restore point.
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/volumes/data', headers: { authorization: `Bearer ${t.token}` } });
      const view = res.json() as { restorePoints: { snapshotId: string; suspicion?: { verdict: string; reasons: string[] }; signals?: { filesRemoved: number; renamed: Record<string, number> } }[] };
      const shown = view.restorePoints.find((p) => p.snapshotId === attacked.snapshotId)!;
      assert.equal(shown.suspicion?.verdict, 'suspicious');
      assert.equal(shown.signals?.renamed['.locked'], encrypted.length);
      assert.equal(shown.signals?.filesRemoved, encrypted.length);

      // A person checks the point, finds a false positive and clears it: the choice takes the newest
      // point again, says who cleared what and why; withdrawing the clearance skips it again.
      const at = t.cp.clock.now();
      clearSuspicion(t.cp.d.catalog, { snapshotId: attacked.snapshotId!, reason: 'planned re-encryption, change CHG-1042', actor: 'alice', at });
      const cleared = chooseRestorePoint(gatherChooseInput(t.cp.d.catalog, 'data', { severity: 'high' }));
      assert.equal(cleared.snapshotId, after.at(-1), explainChoice(cleared));
      assert.match(explainChoice(cleared), /is marked suspicious: .*; cleared as a false positive by alice at .* \(planned re-encryption, change CHG-1042\), so it is a candidate/);
      assert.deepEqual(cleared.suspicious?.map((x) => [x.snapshotId, x.skipped, x.cleared?.actor]), [[attacked.snapshotId, false, 'alice']]);
      const again = (await t.app.inject({ method: 'GET', url: '/api/v1/volumes/data', headers: { authorization: `Bearer ${t.token}` } })).json() as { restorePoints: { snapshotId: string; cleared?: { actor: string; reason: string } }[] };
      assert.deepEqual(again.restorePoints.find((p) => p.snapshotId === attacked.snapshotId)?.cleared, { actor: 'alice', reason: 'planned re-encryption, change CHG-1042', at: at.toISOString() });

      // The catalog is lost: rebuilt from the repository alone, it judges the points and keeps the clearance as the lost one did.
      await pushCatalogRecords(t.cp.d.catalog, repo);
      const rebuilt = join(t.dir, 'rebuilt.db');
      assert.equal((await rebuildCatalog(repo, { catalogPath: rebuilt })).complete, true);
      const back = Catalog.open(rebuilt);
      try {
        assert.equal(JSON.stringify(chooseRestorePoint(gatherChooseInput(back, 'data', { severity: 'high' }))), JSON.stringify(cleared));
      } finally {
        back.close();
      }

      clearSuspicion(t.cp.d.catalog, { snapshotId: attacked.snapshotId!, reason: 'the change window did not cover this volume', actor: 'bob', at, withdraw: true });
      assert.equal(chooseRestorePoint(gatherChooseInput(t.cp.d.catalog, 'data', { severity: 'high' })).snapshotId, clean.at(-1));
      assert.deepEqual(
        t.cp.d.catalog.audit.list({ object: `restore-point:${attacked.snapshotId}` }).map((e) => [e.action, e.actor]),
        [['restore-point.suspicion-restored', 'bob'], ['restore-point.suspicion-cleared', 'alice']],
      );
    } finally {
      await t.dispose();
      await hook.close();
    }
  });
});
