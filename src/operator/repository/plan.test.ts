import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecoveredPoint } from '../../recovery/index.js';
import { names } from '../backup/objects.js';
import { planRestorePoints } from './plan.js';

const DIGEST = 'sha256:' + 'a1'.repeat(32);
const point = (id: string, over: { volume?: string; policy?: string; run?: string; suspicious?: boolean } = {}): RecoveredPoint => ({
  snapshotId: id,
  time: '2026-12-01T03:00:05.123Z',
  volume: over.volume ?? 'shop/data',
  tags: [],
  provenance: {
    volume: over.volume ?? 'shop/data',
    workloads: [{ workload: 'shop/StatefulSet/db', imageDigest: DIGEST }],
    hooks: [],
    labels: { ...(over.policy !== '' ? { policy: over.policy ?? 'shop/nightly' } : {}), ...(over.run !== '' ? { run: over.run ?? `run-${id}` } : {}) },
  },
  ...(over.suspicious ? { suspicion: { verdict: 'suspicious' as const, reasons: ['82% of files rewritten (history: at most 3%)'] } } : {}),
});
const repo = { namespace: 'shop', name: 'main' };
const ref = (id: string) => ({ policyNamespace: 'shop', policy: 'nightly', runId: `run-${id}`, namespace: 'shop', pvc: 'data' });

test('a snapshot of this namespace’s policy becomes the RestorePoint the backup recorded: same name, labels, provenance and time', () => {
  const plan = planRestorePoints([point('5f3a9c01')], repo, []);
  assert.equal(plan.create.length, 1);
  const c = plan.create[0]!;
  assert.equal(c.name, names.restorePoint(ref('5f3a9c01')));
  assert.deepEqual(c.body.spec, { repository: 'main', policy: 'nightly', pvc: { namespace: 'shop', name: 'data' }, runId: 'run-5f3a9c01' });
  assert.equal(c.body.metadata.labels['holdfast.dev/policy'], 'nightly');
  assert.equal(c.body.metadata.labels['holdfast.dev/run'], 'run-5f3a9c01');
  assert.deepEqual(c.status, { snapshotId: '5f3a9c01', time: '2026-12-01T03:00:05.123Z', provenance: point('5f3a9c01').provenance });
});

test('a suspicious snapshot comes back marked suspicious with its reasons', () => {
  const [c] = planRestorePoints([point('e1', { suspicious: true })], repo, []).create;
  assert.deepEqual(c!.status.suspicion, { verdict: 'suspicious', reasons: ['82% of files rewritten (history: at most 3%)'] });
});

test('nothing is invented: no verification, and no suspicion where the backup judged none', () => {
  const [c] = planRestorePoints([point('p1')], repo, []).create;
  assert.equal('verified' in c!.status, false);
  assert.equal('suspicion' in c!.status, false);
});

test('a RestorePoint that exists, by name or by snapshot, is left alone and counted', () => {
  const plan = planRestorePoints([point('a'), point('b'), point('c')], repo, [{ name: names.restorePoint(ref('a')) }, { name: 'evidence-of-b', snapshotId: 'b' }]);
  assert.deepEqual(plan.create.map((c) => c.status.snapshotId), ['c']);
  assert.equal(plan.existing, 2);
});

test('snapshots of a policy in another namespace are left to that namespace’s BackupRepository', () => {
  const plan = planRestorePoints([point('a', { policy: 'blog/nightly' })], repo, []);
  assert.deepEqual([plan.create.length, plan.otherNamespaces], [0, 1]);
});

test('a snapshot that names no policy run or no PVC is said, not guessed', () => {
  const plan = planRestorePoints([point('0123456789abcdef', { policy: '' }), point('fedcba9876543210', { volume: 'shop-data' })], repo, []);
  assert.equal(plan.create.length, 0);
  assert.deepEqual(plan.unusable, [
    'snapshot 0123456789ab: its provenance names no BackupPolicy run (not taken by the operator)',
    'snapshot fedcba987654: volume "shop-data" is not a PVC (namespace/name)',
  ]);
});
