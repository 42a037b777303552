import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataMoverSchema } from '../api/data-mover.js';
import { dataMoverResources } from './resources.js';

const cases: [string, Parameters<typeof dataMoverResources>[0], ReturnType<typeof dataMoverResources>][] = [
  ['by default a data mover requests half a core and is never throttled by a limit', undefined, { requests: { cpu: '500m' } }],
  ['a policy asking for two cores and memory gets them', { resources: { requests: { cpu: '2', memory: '512Mi' } } }, { requests: { cpu: '2', memory: '512Mi' } }],
  ['a memory limit alone keeps the default CPU request', { resources: { limits: { memory: '1Gi' } } }, { requests: { cpu: '500m' }, limits: { memory: '1Gi' } }],
  ['a CPU limit alone brings the request down to it, which Kubernetes requires', { resources: { limits: { cpu: '200m' } } }, { requests: { cpu: '200m' }, limits: { cpu: '200m' } }],
];
for (const [name, settings, want] of cases) test(name, () => assert.deepEqual(dataMoverResources(settings), want));

test('a quantity that is not one is refused naming the field', () => {
  const r = dataMoverSchema.safeParse({ resources: { requests: { cpu: 'half' } } });
  assert.equal(r.success, false);
  assert.deepEqual(r.error?.issues[0]?.path, ['resources', 'requests', 'cpu']);
});
