import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRollout, type WorkloadView } from './rollout-plan.js';

const w = (id: string, serial?: string, complete = true): WorkloadView => ({ id, serial, complete });

test('with a budget of one, only the first stale workload is rolled', () => {
  const p = planRollout([w('Deployment/b', 'old'), w('Deployment/a', 'old')], 'new', 1);
  assert.deepEqual(p.patch, ['Deployment/a']);
  assert.deepEqual(p.waiting, ['Deployment/b']);
  assert.equal(p.reason, 'Rolling');
});

test('a rollout still in flight uses the budget until its replicas are ready', () => {
  const p = planRollout([w('Deployment/a', 'new', false), w('Deployment/b', 'old')], 'new', 1);
  assert.deepEqual(p.patch, []);
  assert.equal(p.reason, 'BudgetExhausted');
});

test('a finished rollout frees the budget for the next workload', () => {
  const p = planRollout([w('Deployment/a', 'new', true), w('Deployment/b', 'old')], 'new', 1);
  assert.deepEqual(p.patch, ['Deployment/b']);
});

test('every workload on the current serial and ready is complete', () => {
  const p = planRollout([w('Deployment/a', 'new'), w('StatefulSet/db', 'new')], 'new', 1);
  assert.equal(p.reason, 'Complete');
});

test('a workload that never carried a serial is rolled like a stale one', () => {
  assert.deepEqual(planRollout([w('Deployment/a')], 'new', 3).patch, ['Deployment/a']);
});

test('no workload mounting the Secret is reported, not treated as complete', () => {
  assert.equal(planRollout([], 'new', 1).reason, 'NothingToRoll');
});
