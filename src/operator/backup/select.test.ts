import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { selectPvcs } from './select.js';

const pvc = (ns: string, name: string, labels: Record<string, string> = {}, extra: Partial<k8s.V1ObjectMeta> = {}): k8s.V1PersistentVolumeClaim => ({
  metadata: { namespace: ns, name, labels, ...extra },
});
const all = [
  pvc('shop', 'db', { tier: 'data' }),
  pvc('shop', 'cache', { tier: 'cache' }),
  pvc('blog', 'db', { tier: 'data' }),
  pvc('shop', 'hfc-db-1', { tier: 'data', 'holdfast.dev/clone': 'true' }),
  pvc('shop', 'gone', { tier: 'data' }, { deletionTimestamp: new Date() }),
];
const names = (s: ReturnType<typeof selectPvcs>) => s.pvcs.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`);

test('without namespaces the policy looks only in its own namespace', () => {
  assert.deepEqual(names(selectPvcs('shop', {}, all)), ['shop/cache', 'shop/db']);
});

test('labels narrow the selection across the named namespaces', () => {
  assert.deepEqual(names(selectPvcs('ops', { namespaces: ['shop', 'blog'], matchLabels: { tier: 'data' } }, all)), ['blog/db', 'shop/db']);
});

test('holdfast clones and PVCs being deleted are never selected', () => {
  const s = selectPvcs('shop', { matchLabels: { tier: 'data' } }, all);
  assert.deepEqual(names(s), ['shop/db']);
});

test('a selector that matches nothing says where it looked and with which labels', () => {
  const s = selectPvcs('ops', { namespaces: ['empty'], matchLabels: { app: 'x' } }, all);
  assert.equal(s.reason, 'NoVolumesSelected');
  assert.equal(s.message, 'no PVC in namespace empty with labels app=x matches this policy');
});
