import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OperatorContext } from '../context.js';
import { kubePlaybook } from './playbook.js';
import { undoRun } from './undo.js';

const pb = kubePlaybook('restore-secure-and-rotate');
const upTo = (n: number) =>
  pb.order.map((id, i) => ({ name: id, uses: pb.steps.find((s) => s.id === id)!.uses, phase: i < n ? ('Completed' as const) : i === n ? ('Running' as const) : ('Pending' as const), attempts: i <= n ? 1 : 0 }));
// No API client at all: an undo that has nothing to scale back must not reach for one.
const noCluster = {} as OperatorContext;
const workloads = [{ kind: 'StatefulSet' as const, name: 'db', replicas: 2, containers: [{ name: 'db', image: 'shop-db:2.0' }] }];

test('an undo after the restore started scales nothing back and says the workloads stay as the playbook left them', async () => {
  const r = await undoRun(noCluster, 'shop', { steps: upTo(4), workloads, evidence: { job: 'shop/ev', restorePoint: 'shop/data-ev' } });
  assert.deepEqual(r.undone, []);
  assert.match(r.summary, /^undone: nothing; not undone: restore \(the PVC keeps the restored data; to go back, restore the evidence RestorePoint shop\/data-ev/);
  assert.match(r.summary, /quiesce \(the workloads stay as the later steps left them: the PVC was \(or is being\) restored\)/);
});

test('an undo before approval has nothing to do and nothing it cannot do', async () => {
  const r = await undoRun(noCluster, 'shop', { steps: upTo(2).map((s) => (s.phase === 'Running' ? { ...s, phase: 'Pending' as const } : s)) });
  assert.equal(r.summary, 'undone: nothing; not undone: nothing');
});
