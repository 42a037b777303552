import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WebhookReceiver } from '../../../test/harness/webhook.js';
import { baseYaml, commit, testPlane } from '../testing.js';

describe('scheduled backups and verified restores', () => {
  it('backs up a due volume with provenance, hooks and a restore point, then verifies it by restoring', async () => {
    const t = await testPlane();
    try {
      t.cp.scheduler.tick(); // first look: sets the mark, nothing due yet
      assert.equal(t.cp.runs.list().length, 0);
      t.clock.set(new Date('2026-12-01T09:00:01Z'));
      t.cp.scheduler.tick();
      await t.cp.scheduler.idle();
      const [run] = t.cp.runs.list({ kind: 'backup' });
      assert.equal(run!.status, 'succeeded', run!.message);
      assert.equal(run!.scheduledFor.toISOString(), '2026-12-01T09:00:00.000Z');
      const [point] = t.cp.d.catalog.restorePoints.list({ volume: 'data' });
      assert.equal(point!.snapshotId, run!.snapshotId);
      assert.equal(point!.provenance.workloads[0]!.commit, commit);
      assert.deepEqual(
        (point!.provenance.hooks as { name: string }[]).map((h) => h.name),
        ['quiesce'],
        'the manifest records the pre-hook',
      );
      assert.equal(existsSync(join(t.dir, 'data', 'quiesced')), false, 'the post-hook resumed the app');
      assert.equal(
        t.cp.d.catalog.deployments.timeline('app')[0]!.commit,
        commit,
        'the version seen is a deploy on the timeline',
      );

      t.clock.set(new Date('2026-12-01T09:30:02Z'));
      t.cp.scheduler.tick();
      await t.cp.scheduler.idle();
      const [v] = t.cp.evidence.verifications({ volume: 'data' });
      assert.equal(v!.result, 'passed', v!.message);
      assert.equal(v!.snapshotId, point!.snapshotId);
      assert.equal(v!.files, 2);
      assert.ok(v!.bytes >= 100_000);
      assert.equal(
        existsSync(join(t.cp.dataDir, 'scratch', `verify-${v!.runId}`)),
        false,
        'the scratch copy is removed',
      );
    } finally {
      await t.dispose();
    }
  });

  it('records a failed verification as evidence and alerts when the check command fails', async () => {
    const hook = new WebhookReceiver();
    const url = await hook.start();
    const t = await testPlane({
      yaml: baseYaml(`alerts:\n  webhooks: [{ name: ops, url: "${url}" }]\n`).replace(
        'check: "test -f orders.json"',
        'check: "test -f missing.json"',
      ),
    });
    try {
      await t.cp.scheduler.runNow('backup/hourly/data');
      const run = await t.cp.scheduler.runNow('verify/hourly/data');
      assert.equal(run!.status, 'failed');
      assert.equal(run!.reason, 'VERIFY_CHECK_FAILED');
      assert.equal(t.cp.evidence.verifications({ volume: 'data' })[0]!.result, 'failed');
      const a = await hook.waitFor((x) => x.event === 'verification-failed');
      assert.match(a.summary, /verify volume data: snapshot [0-9a-f]{12} restored but its check exit 1/);
    } finally {
      await t.dispose();
      await hook.close();
    }
  });

  it('records every run missed during downtime, alerts once, and catches up with one run', async () => {
    const hook = new WebhookReceiver();
    const url = await hook.start();
    const t = await testPlane({ yaml: baseYaml(`alerts:\n  webhooks: [{ name: ops, url: "${url}" }]\n`) });
    try {
      t.cp.runs.setMark('backup/hourly/data', new Date('2026-12-01T08:00:00Z'));
      t.clock.set(new Date('2026-12-01T11:20:00Z'));
      t.cp.scheduler.tick();
      await t.cp.scheduler.idle();
      const missed = t.cp.runs.list({ kind: 'backup', status: 'missed' });
      assert.deepEqual(missed.map((r) => r.scheduledFor.toISOString()).sort(), [
        '2026-12-01T09:00:00.000Z',
        '2026-12-01T10:00:00.000Z',
        '2026-12-01T11:00:00.000Z',
      ]);
      assert.equal(missed[0]!.reason, 'Downtime');
      assert.equal(t.cp.runs.list({ kind: 'backup', status: 'succeeded' }).length, 1, 'one catch-up run');
      const a = await hook.waitFor((x) => x.event === 'schedule-missed');
      assert.match(a.summary, /backup\/hourly\/data: 3 scheduled run\(s\) missed/);
    } finally {
      await t.dispose();
      await hook.close();
    }
  });

  it('kills a hanging pre-hook at its timeout, still runs the post-hook, and fails the backup', async () => {
    const t = await testPlane({
      yaml: baseYaml().replace(
        'command: "touch quiesced", timeout: 5s',
        'command: "touch quiesced; sleep 60", timeout: 300ms',
      ),
    });
    try {
      const run = await t.cp.scheduler.runNow('backup/hourly/data');
      assert.equal(run!.status, 'failed');
      assert.equal(run!.reason, 'HOOK_FAILED');
      assert.match(run!.message!, /cancelled: pre-hook quiesce timed out/);
      assert.equal(existsSync(join(t.dir, 'data', 'quiesced')), false, 'the post-hook ran');
      assert.equal(t.cp.d.catalog.restorePoints.list().length, 0);
      const log = t.cp.runs.logs(run!.id).map((l) => l.message);
      assert.ok(
        log.some((m) => /post-hook resume: ok/.test(m)),
        log.join('\n'),
      );
    } finally {
      await t.dispose();
    }
  });

  it('lets the watchdog fail a run that outlives its timeout and ignores its late success', async () => {
    const t = await testPlane({
      yaml: baseYaml()
        .replace('command: "touch quiesced", timeout: 5s', 'command: "sleep 1", timeout: 10s')
        .replace('    retention:', '    timeout: 1m\n    retention:'),
    });
    try {
      t.cp.runs.setMark('backup/hourly/data', new Date('2026-12-01T08:00:00Z'));
      t.clock.set(new Date('2026-12-01T09:00:01Z'));
      t.cp.scheduler.tick(); // starts the run; the hook sleeps one real second
      t.clock.advance(2 * 60_000);
      t.cp.scheduler.tick(); // the watchdog sees it running for 2 minutes
      const [run] = t.cp.runs.list({ kind: 'backup' });
      assert.equal(run!.status, 'failed');
      assert.equal(run!.reason, 'Stuck');
      await t.cp.scheduler.idle();
      assert.equal(
        t.cp.runs.get(run!.id)!.status,
        'failed',
        'the late success does not overwrite the verdict',
      );
    } finally {
      await t.dispose();
    }
  });

  it('runs one backup at a time per repository and starts the next when the slot frees', async () => {
    const yaml = baseYaml()
      .replace('  data: { path: ./data }', '  data: { path: ./data }\n  more: { path: ./data/sub }')
      .replace('volumes: [data]\n    schedule', 'volumes: [data, more]\n    schedule');
    const t = await testPlane({ yaml });
    try {
      t.cp.runs.setMark('backup/hourly/data', new Date('2026-12-01T08:00:00Z'));
      t.cp.runs.setMark('backup/hourly/more', new Date('2026-12-01T08:00:00Z'));
      t.clock.set(new Date('2026-12-01T09:00:01Z'));
      t.cp.scheduler.tick();
      assert.equal(t.cp.runs.running().length, 1, 'the second waits for the repository slot');
      const waiting = t.cp.scheduler.list().filter((j) => j.queued);
      assert.equal(waiting.length, 1);
      await t.cp.scheduler.idle();
      assert.equal(t.cp.runs.list({ kind: 'backup', status: 'succeeded' }).length, 2);
    } finally {
      await t.dispose();
    }
  });

  it('applies the policy retention after each backup, and the catalog follows the repository', async () => {
    const t = await testPlane();
    try {
      for (let i = 0; i < 5; i++) {
        writeFileSync(join(t.dir, 'data', `order-${i}.json`), JSON.stringify({ i }));
        const run = await t.cp.scheduler.runNow('backup/hourly/data');
        assert.equal(run!.status, 'succeeded', run!.message);
        t.clock.advance(3_600_000);
      }
      const points = t.cp.d.catalog.restorePoints.list({ volume: 'data' });
      assert.equal(points.length, 3, 'keepLast: 3');
      const ids = await t.cp.withRepository('local', async (repo) =>
        (await repo.snapshots()).map((s) => s.id),
      );
      assert.deepEqual(ids.sort(), points.map((p) => p.snapshotId).sort());
      const last = t.cp.runs.list({ kind: 'backup' })[0]!;
      assert.equal((last.details.forgotten as string[]).length, 1);
    } finally {
      await t.dispose();
    }
  });

  it('fails a backup of a missing volume with a message that names it', async () => {
    const t = await testPlane({ yaml: baseYaml().replace('./data }', './nowhere }') });
    try {
      const run = await t.cp.scheduler.runNow('backup/hourly/data');
      assert.equal(run!.status, 'failed');
      assert.match(run!.message!, /^volume data: open .*nowhere: no such file or directory$/);
    } finally {
      await t.dispose();
    }
  });

  it('issues a missing certificate from the CA and renews it inside the renewal window', async () => {
    const yaml = baseYaml(
      `certificates:\n  web:\n    commonName: web.local\n    dnsNames: [web.local]\n    certFile: ./certs/tls.crt\n    keyFile: ./certs/tls.key\n    caFile: ./certs/ca.crt\n    validity: 10d\n    renewBefore: 3d\n`,
    );
    const t = await testPlane({ yaml });
    try {
      const first = await t.cp.scheduler.runNow('certificate/web');
      assert.equal(first!.status, 'succeeded', first!.message);
      assert.equal(t.cp.evidence.certificateEvents({ name: 'web' })[0]!.action, 'issued');
      t.clock.advance(2 * 86_400_000);
      await t.cp.scheduler.runNow('certificate/web');
      assert.equal(
        t.cp.evidence.certificateEvents({ name: 'web' }).filter((e) => e.action !== 'probed').length,
        1,
        'still valid: not renewed',
      );
      t.clock.advance(6 * 86_400_000);
      await t.cp.scheduler.runNow('certificate/web');
      const events = t.cp.evidence.certificateEvents({ name: 'web' }).filter((e) => e.action !== 'probed');
      assert.deepEqual(
        events.map((e) => e.action),
        ['renewed', 'issued'],
      );
      assert.notEqual(events[0]!.serial, events[1]!.serial);
      assert.ok(
        events[0]!.notAfter!.getTime() > t.clock.now().getTime() + 9 * 86_400_000,
        'the renewed certificate has a full validity from now',
      );
    } finally {
      await t.dispose();
    }
  });
});
