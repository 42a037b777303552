import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { planRestore, type PlanInput } from './plan.js';

const sourcePvc: k8s.V1PersistentVolumeClaim = { metadata: { name: 'data', namespace: 'shop' }, spec: { storageClassName: 'slow', resources: { requests: { storage: '5Gi' } } } };
const base: PlanInput = { restoreName: 'r1', spec: { restorePoint: 'rp', target: { mode: 'NewPVC', pvcName: 'data-restored' } }, source: { namespace: 'shop', pvc: 'data' }, sourcePvc, mountedBy: [] };

test('a new PVC inherits the source size and StorageClass', () => {
  const p = planRestore(base);
  assert.ok(p.ok);
  assert.deepEqual(p.target, { namespace: 'shop', pvc: 'data-restored', create: { size: '5Gi', storageClassName: 'slow' } });
});

test('StorageClass and namespace mappings redirect a restore into another cluster layout', () => {
  const p = planRestore({ ...base, spec: { ...base.spec, namespaceMapping: { shop: 'shop-dr' }, storageClassMapping: { slow: 'fast' } } });
  assert.ok(p.ok);
  assert.deepEqual(p.target, { namespace: 'shop-dr', pvc: 'data-restored', create: { size: '5Gi', storageClassName: 'fast' } });
});

test('an in-place restore is refused while a pod mounts the volume', () => {
  const p = planRestore({ ...base, spec: { restorePoint: 'rp', target: { mode: 'InPlace' } }, mountedBy: ['shop/db-0'] });
  assert.deepEqual(p, { ok: false, reason: 'VolumeInUse', message: 'PVC shop/data is mounted by shop/db-0: scale the workload down first' });
});

test('a new-PVC restore never overwrites a PVC it did not create', () => {
  const p = planRestore({ ...base, existing: { metadata: { name: 'data-restored', labels: {} } } });
  assert.equal(p.reason, 'TargetExists');
});

test('the PVC this Restore created earlier is reused, so the step is idempotent', () => {
  assert.ok(planRestore({ ...base, existing: { metadata: { name: 'data-restored', labels: { 'holdfast.dev/restore': 'r1' } } } }).ok);
});

test('a new-PVC restore without a name is invalid', () => {
  assert.equal(planRestore({ ...base, spec: { restorePoint: 'rp', target: { mode: 'NewPVC' } } }).reason, 'InvalidSpec');
});
