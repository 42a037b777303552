import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncidentStepRow } from '../../catalog/incidents.js';
import { actionsFor, journalView, orderIncidents } from './incident-view.js';

const step = (step: string, uses: string, status: IncidentStepRow['status'], outputs: Record<string, unknown> = {}): IncidentStepRow => ({
  step,
  seq: 0,
  uses,
  status,
  attempts: status === 'pending' ? 0 : 1,
  startedAt: undefined,
  completedAt: undefined,
  outputs,
  progress: {},
  error: undefined,
});

test('orders proposals first, then running and failed ones, then the newest finished ones, newest first within each', () => {
  const rows = [
    { id: 'a', status: 'succeeded' as const, createdAt: '2026-01-05' },
    { id: 'b', status: 'proposed' as const, createdAt: '2026-01-01' },
    { id: 'c', status: 'failed' as const, createdAt: '2026-01-02' },
    { id: 'd', status: 'aborted' as const, createdAt: '2026-01-06' },
    { id: 'e', status: 'proposed' as const, createdAt: '2026-01-03' },
    { id: 'f', status: 'running' as const, createdAt: '2026-01-04' },
    { id: 'g', status: 'succeeded' as const, createdAt: '2026-01-01' },
  ];
  assert.deepEqual(orderIncidents(rows).map((r) => r.id), ['e', 'b', 'f', 'c', 'd', 'a', 'g']);
  assert.deepEqual(orderIncidents(rows, 1).map((r) => r.id), ['e', 'b', 'f', 'c', 'd'], 'only the newest finished ones are kept');
});

const actions: [string, Parameters<typeof actionsFor>[0]['status'], boolean, ReturnType<typeof actionsFor>][] = [
  ['a proposal can be approved or aborted', 'proposed', false, { approve: true, resume: false, abort: true }],
  ['a failed run can be resumed or aborted', 'failed', false, { approve: false, resume: true, abort: true }],
  ['a run whose process is alive offers nothing (the control plane would refuse)', 'running', false, { approve: false, resume: false, abort: false }],
  ['an interrupted run can be resumed or aborted', 'running', true, { approve: false, resume: true, abort: true }],
  ['a succeeded run offers nothing', 'succeeded', false, { approve: false, resume: false, abort: false }],
  ['an aborted run offers nothing', 'aborted', false, { approve: false, resume: false, abort: false }],
];
for (const [name, status, interrupted, want] of actions) test(name, () => assert.deepEqual(actionsFor({ status }, interrupted), want));

test('reads the choice, evidence, certificates, checks and report from completed steps only', () => {
  const v = journalView({ status: 'succeeded' }, [
    step('assess', 'assess', 'completed', { finding: { id: 'f1', ruleId: 'B602', severity: 'high', message: '<b>x</b>', path: 'a.py', line: 3 }, affected: [{ workload: 'shop', version: 'bad0', since: 't1', why: 'B602' }] }),
    step('choose', 'choose-restore-point', 'completed', { snapshotId: 's1', restorePointTime: 't0', message: 'restore s1', steps: ['why 1', 'why 2'] }),
    step('evidence-live', 'preserve-evidence', 'completed', { snapshotId: 'e1', sealed: false, files: 2, bytes: 10, tags: ['incident-evidence'] }),
    step('evidence-sealed', 'preserve-evidence', 'completed', { snapshotId: 'e2', sealed: true, files: 2, bytes: 12, tags: ['incident-evidence'] }),
    step('rotate-tls', 'rotate-tls', 'completed', { certificates: [{ name: 'shop-tls', endpoint: '127.0.0.1:1', old: { serial: 'aa', keyId: 'k1' }, new: { serial: 'bb', keyId: 'k2', fingerprint: 'F', notAfter: 't9' } }] }),
    step('verify', 'verify', 'completed', { health: [{ endpoint: '127.0.0.1:1', ok: true, status: 200 }], certificates: [{ name: 'shop-tls', endpoint: '127.0.0.1:1', servesInstalled: true, trusted: true, newKey: true }], versions: [{ workload: 'shop', running: 'c1', expected: 'c1' }], data: { snapshotId: 's1', entries: 2, bytes: 10 } }),
    step('report', 'report', 'completed', { markdown: '/r/report.md', html: '/r/report.html' }),
  ]);
  assert.equal(v.finding?.message, '<b>x</b>', 'kept as text: the template escapes it');
  assert.deepEqual(v.choice, { snapshotId: 's1', restorePointTime: 't0', message: 'restore s1', reasoning: ['why 1', 'why 2'] });
  assert.deepEqual(v.evidence.map((e) => [e.snapshotId, e.sealed]), [['e1', false], ['e2', true]]);
  assert.deepEqual(v.certificates[0], { name: 'shop-tls', endpoint: '127.0.0.1:1', old: { serial: 'aa', keyId: 'k1' }, new: { serial: 'bb', keyId: 'k2', fingerprint: 'F', notAfter: 't9' } });
  assert.deepEqual(v.checks.map((c) => c.ok), [true, true, true, true]);
  assert.deepEqual(v.report, { markdown: '/r/report.md', html: '/r/report.html' });
  assert.equal(v.runningStep, undefined);
});

test('marks the started step of a running incident as the running one, and shows nothing a step has not completed', () => {
  const steps = [step('choose', 'choose-restore-point', 'completed', { snapshotId: 's1', message: 'm', steps: [] }), step('evidence-live', 'preserve-evidence', 'started', { snapshotId: 'half' }), step('verify', 'verify', 'pending')];
  const v = journalView({ status: 'running' }, steps);
  assert.equal(v.runningStep, 'evidence-live');
  assert.deepEqual(v.evidence, [], 'an evidence step that has not completed shows no snapshot');
  assert.deepEqual(v.checks, []);
  assert.equal(journalView({ status: 'failed' }, steps).runningStep, undefined, 'a failed incident runs nothing');
  assert.equal(journalView({ status: 'running' }, steps, true).runningStep, undefined, 'an interrupted one neither');
});

test('a failed certificate check is shown as failed, with what failed', () => {
  const v = journalView({ status: 'failed' }, [step('verify', 'verify', 'completed', { certificates: [{ name: 'c', endpoint: 'e', servesInstalled: false, trusted: true, newKey: false }] })]);
  assert.equal(v.checks[0]!.ok, false);
  assert.match(v.checks[0]!.detail, /does NOT serve the new certificate.*OLD key/);
});
