import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameConditions, setCondition } from './conditions.js';

const t0 = new Date('2026-12-01T08:00:00Z');
const t1 = new Date('2026-12-01T09:00:00Z');

test('a condition that keeps its status keeps its transition time', () => {
  const a = setCondition([], { type: 'Ready', status: 'False', reason: 'NoVolumesSelected', message: 'x' }, t0);
  const b = setCondition(a, { type: 'Ready', status: 'False', reason: 'RepositorySecretMissing', message: 'y' }, t1);
  assert.equal(b[0]!.lastTransitionTime, t0.toISOString());
  assert.equal(b[0]!.reason, 'RepositorySecretMissing');
});

test('a condition that flips status records the new transition time', () => {
  const a = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: '' }, t0);
  const b = setCondition(a, { type: 'Ready', status: 'True', reason: 'B', message: '' }, t1);
  assert.equal(b[0]!.lastTransitionTime, t1.toISOString());
});

test('conditions of other types are kept and the list is ordered by type', () => {
  const a = setCondition([], { type: 'Ready', status: 'True', reason: 'A', message: '' }, t0);
  const b = setCondition(a, { type: 'Backup', status: 'True', reason: 'B', message: '' }, t0);
  assert.deepEqual(b.map((c) => c.type), ['Backup', 'Ready']);
});

test('two lists differing only in timestamps are the same for the purpose of a status write', () => {
  const a = setCondition([], { type: 'Ready', status: 'True', reason: 'A', message: 'm' }, t0);
  const b = a.map((c) => ({ ...c, lastTransitionTime: t1.toISOString() }));
  assert.ok(sameConditions(a, b));
  assert.ok(!sameConditions(a, setCondition(a, { type: 'Ready', status: 'True', reason: 'A', message: 'n' }, t0)));
});
