/**
 * The whole incident story end to end on the local platform (see harness.ts): the playbook runs
 * from the CLI with --yes, and afterwards the volume holds the v1 backup, the v2 state is kept as
 * evidence, the shop serves a certificate with a new key that chains to the trusted CA, a client
 * connecting throughout saw no failed handshake, and the report names the finding, the restore
 * point and the certificates. Then the same with the run killed (kill -9) in the middle of the
 * restore swap and finished by `resume`. Bad input first: no clean restore point, no --yes.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyIdOf } from '../../src/playbook/index.js';
import { CaStore } from '../../src/tls/index.js';
import { trustedHandshake } from '../../src/playbook/checks.js';
import { stopWindow, Story, v1, type CliResult } from './harness.js';

const stories: Story[] = [];
after(async () => {
  for (const s of stories) await s.dispose();
});

interface Snap {
  id: string;
  tags: string[];
}

async function assertRecovered(s: Story, id: string, findingId: string, run: CliResult) {
  // The client that connected throughout: no failed handshake, and it saw the old and the new certificate.
  const c = s.client!;
  await c.stop();
  assert.equal(run.code, 0, run.err);
  const status = JSON.parse(await s.okAsync(['incident', 'status', id, '--json'])) as { status: string; steps: { step: string; status: string; attempts: number; startedAt?: string; completedAt?: string }[] };
  const failed = c.failedOutside(...stopWindow(status.steps));
  assert.deepEqual(failed, [], `failed handshakes: ${failed.join(', ')}`);
  assert.ok(c.ok > 0);
  assert.ok(c.fingerprints.size >= 2, `the client saw ${c.fingerprints.size} certificate(s)`);
  assert.equal(status.status, 'succeeded');
  assert.ok(status.steps.every((x) => x.status === 'completed'), JSON.stringify(status.steps));
  const audit = s.catalog((c) => c.audit.list({ object: `incident:${id}`, action: 'incident.step.completed' }));
  assert.equal(audit.length, status.steps.length, 'one audit event per completed step');

  // The data equals the v1 backup: the items v2 wrote are gone from the volume ...
  assert.equal(readFileSync(join(s.data, 'items.jsonl'), 'utf8'), s.v1Items);
  // ... and kept as evidence: the sealed evidence snapshot restores them.
  const snaps: Snap[] = await s.snapshots();
  const evidence = snaps.filter((x) => x.tags.includes('incident-evidence') && x.tags.includes(`incident:${id}`));
  assert.equal(evidence.length, 2, JSON.stringify(snaps.map((x) => x.tags)));
  const sealed = evidence.find((x) => x.tags.includes('incident-step:evidence-sealed'))!;
  const out = mkdtempSync(join(tmpdir(), 'holdfast-evidence-'));
  try {
    await s.restoreTo(sealed.id, out);
    const kept = readFileSync(join(out, 'items.jsonl'), 'utf8');
    assert.match(kept, /written by the vulnerable version/);
    assert.ok(kept.startsWith(s.v1Items));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }

  // A certificate with a new key, chaining to the trusted CA, is what the shop serves now.
  const served = await trustedHandshake({ host: '127.0.0.1', port: s.port, serverName: 'localhost' }, s.caPem);
  assert.equal(served.authorized, true, served.error);
  assert.notEqual(served.keyId, keyIdOf(s.initialKeyPem));

  // The report names the finding, the restore point and the certificates.
  const v1Snap = snaps.find((x) => x.tags.includes('v1'))!;
  assert.equal(v1Snap.id, s.v1Snapshot);
  const md = readFileSync(join(s.dataDir, 'incidents', id, 'report.md'), 'utf8');
  assert.ok(md.includes(findingId), 'report names the finding');
  assert.match(md, /B602/);
  assert.ok(md.includes(v1Snap.id), 'report names the restore point');
  assert.ok(md.includes(served.fingerprint!), 'report names the new certificate');
  assert.match(md, /shop-tls on 127\.0\.0\.1:\d+: serial [0-9a-f]+ → [0-9a-f]+/);
  assert.ok(existsSync(join(s.dataDir, 'incidents', id, 'report.html')));
  assert.equal(existsSync(join(s.dataDir, 'incidents', id, 'tls-previous', 'shop-tls', 'tls.key')), false, 'the replaced private key is not kept');
  assert.ok(existsSync(join(s.dataDir, 'incidents', id, 'tls-previous', 'shop-tls', 'tls.crt')));
  assert.match(readFileSync(join(s.dataDir, 'incidents', id, 'report.html'), 'utf8'), new RegExp(findingId));

  // One audit event per step at least, and the restart recorded v1 as deployed again.
  const deploys = s.catalog((c) => c.deployments.timeline('shop'));
  assert.equal(deploys.at(-1)!.commit, v1);
  assert.equal(deploys.length, 3);
}

test('an incident restores the last clean backup, keeps the evidence, rotates TLS without a failed handshake, and reports', async () => {
  const s = new Story();
  stories.push(s);
  const findingId = await s.setUp({ scanClean: false });

  // v1 was never scanned: the choice is refused, with the options, and nothing changes.
  const before = readFileSync(join(s.data, 'items.jsonl'), 'utf8');
  const refused = s.cli(['incident', 'run', '--volume', 'shop-data', '--finding', findingId, '--yes']);
  assert.equal(refused.code, 6, refused.err);
  assert.match(refused.err, /^holdfast: incident on volume shop-data: no restore point can be chosen, nothing was changed: .*options: ingest a SARIF report/);
  assert.equal(refused.err.trim().split('\n').length, 1);
  assert.match(refused.out, /^refused: volume shop-data: cannot tell when finding [0-9a-f]+ went live[\s\S]*! unknown deployment: version c1ea00000000/);
  assert.equal(readFileSync(join(s.data, 'items.jsonl'), 'utf8'), before);
  assert.equal(s.catalog((c) => c.db.prepare('SELECT COUNT(*) AS n FROM incidents').get() as { n: number }).n, 0);

  await s.scanClean();

  // The plan says what would happen, and why this restore point.
  const plan = JSON.parse(s.ok(['incident', 'plan', '--volume', 'shop-data', '--finding', findingId, '--json'])) as { choice: { decision: string; snapshotId: string }; certificates: { name: string }[]; steps: unknown[] };
  assert.equal(plan.choice.decision, 'chosen');
  assert.deepEqual(plan.certificates.map((c) => c.name), ['shop-tls']);
  assert.equal(plan.steps.length, 11);
  assert.match(s.ok(['incident', 'plan', '--volume', 'shop-data', '--finding', findingId]), /^incident plan \(dry run, nothing changed\)[\s\S]*restore point: volume shop-data: restore [0-9a-f]+ taken/);

  // Without --yes and without a terminal: refused, clearly.
  const noYes = s.cli(['incident', 'run', '--volume', 'shop-data', '--finding', findingId]);
  assert.equal(noYes.code, 2);
  assert.match(noYes.err, /refusing without --yes when not on a terminal/);

  s.startClient();
  const run = await s.cliAsync(['incident', 'run', '--volume', 'shop-data', '--finding', findingId, '--yes', '--json']).done;
  const id = (JSON.parse(run.out || '{}') as { id?: string }).id ?? '';
  await assertRecovered(s, id, findingId, run);
});

test('kill -9 after the evidence backup, between the restore renames, and after the new certificate is installed; each time resume: the same end state, nothing done twice', async () => {
  const s = new Story();
  stories.push(s);
  const findingId = await s.setUp();
  s.startClient();
  const hold = { HOLDFAST_PLAYBOOK_HOLD: 'evidence-live:backed-up,restore:between-renames,rotate-tls:installed' };
  let proc = s.cliAsync(['incident', 'run', '--volume', 'shop-data', '--finding', findingId, '--yes'], hold);
  const id = await s.waitHeld('evidence-live:backed-up');
  process.kill(proc.pid, 'SIGKILL');
  assert.equal((await proc.done).code, null);
  const journal = JSON.parse(await s.okAsync(['incident', 'status', id, '--json'])) as { status: string; interrupted: boolean; steps: { step: string; status: string }[] };
  assert.equal(journal.status, 'running');
  assert.equal(journal.interrupted, true);
  assert.equal(journal.steps.find((x) => x.step === 'evidence-live')!.status, 'started');

  // A second run on the same volume is refused while this one is active.
  const second = await s.cliAsync(['incident', 'run', '--volume', 'shop-data', '--finding', findingId, '--yes']).done;
  assert.equal(second.code, 6, second.err);
  assert.match(second.err, new RegExp(`incident ${id} is running on it; resume or abort it first`));

  proc = s.cliAsync(['incident', 'resume', id], hold);
  await s.waitHeld('restore:between-renames');
  process.kill(proc.pid, 'SIGKILL');
  await proc.done;
  // Between the two renames: the volume directory is gone, the old and the restored copies beside it.
  assert.equal(existsSync(s.data), false);

  proc = s.cliAsync(['incident', 'resume', id], hold);
  await s.waitHeld('rotate-tls:installed');
  process.kill(proc.pid, 'SIGKILL');
  await proc.done;

  const resumed = await s.cliAsync(['incident', 'resume', id, '--json'], hold).done;
  await s.client!.stop();
  const after = JSON.parse(s.ok(['incident', 'status', id, '--json'])) as { steps: { step: string; attempts: number }[] };
  // Completed steps ran once; only the three interrupted ones ran twice.
  assert.deepEqual(
    after.steps.map((x) => [x.step, x.attempts]),
    [['assess', 1], ['choose', 1], ['evidence-live', 2], ['stage-restore', 1], ['quiesce', 1], ['evidence-sealed', 1], ['restore', 2], ['restart', 1], ['rotate-tls', 2], ['verify', 1], ['report', 1]],
  );
  // The interrupted evidence backup and certificate issuance were not done twice.
  const issued = (await new CaStore(join(s.dataDir, 'ca')).readIssued()).filter((r) => r.name === 'shop-tls');
  assert.equal(issued.length, 1, 'one certificate issued by the incident');
  await assertRecovered(s, id, findingId, resumed);
});
