import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advance, type StepOutcome } from '../../playbook/index.js';
import type { IncidentStatus } from '../api/index.js';
import { statusJournal, stringOutputs, type StepEvent } from './journal.js';
import { StepFailure } from './steps/types.js';

const pb = {
  order: ['a', 'b', 'c'],
  steps: ['a', 'b', 'c'].map((id) => ({ id, uses: `kind-${id}`, needs: [], with: {} })),
};
const order = pb.steps.map((s) => ({ id: s.id, uses: s.uses }));
const now = () => new Date('2026-12-01T10:00:00Z');

test('a step that waits across reconciles is one attempt, and completed steps are not run again', async () => {
  const status: IncidentStatus = {};
  const events: StepEvent[] = [];
  const runs: string[] = [];
  let bWaits = 2;
  const step = async (def: { id: string }): Promise<StepOutcome> => {
    runs.push(def.id);
    if (def.id === 'b' && bWaits-- > 0) return { state: 'waiting', message: 'Job running', retryAfterMs: 10 };
    return { state: 'done', outputs: { n: 1, name: def.id } };
  };
  for (let i = 0; i < 3; i++) await advance(pb, statusJournal(status, order, now, events), step);
  assert.deepEqual(runs, ['a', 'b', 'b', 'b', 'c']);
  assert.deepEqual(status.steps!.map((s) => [s.name, s.phase, s.attempts]), [['a', 'Completed', 1], ['b', 'Completed', 1], ['c', 'Completed', 1]]);
  assert.deepEqual(status.steps![0]!.outputs, { n: '1', name: 'a' }, 'outputs are stored as strings');
  assert.equal(events.filter((e) => e.reason === 'StepStarted').length, 3, 'one StepStarted Event per step, not per wait');
});

test('a throwing step is journaled Failed with its message and a Warning Event', async () => {
  const status: IncidentStatus = {};
  const events: StepEvent[] = [];
  await assert.rejects(advance(pb, statusJournal(status, order, now, events), async (def) => {
    if (def.id === 'b') throw new Error('Restore failed');
    return { state: 'done', outputs: {} };
  }), /Restore failed/);
  assert.deepEqual(status.steps!.map((s) => s.phase), ['Completed', 'Failed', 'Pending']);
  assert.equal(status.steps![1]!.message, 'Restore failed');
  assert.ok(events.some((e) => e.type === 'Warning' && e.reason === 'StepFailed'));
});

test('outputs that are not strings are kept as JSON text', () => {
  assert.deepEqual(stringOutputs({ a: 'x', b: [1, 2], c: { d: true } }), { a: 'x', b: '[1,2]', c: '{"d":true}' });
});

test('a step failure carries its condition reason and a stable error code spelled from it', () => {
  const a = new StepFailure('NoCleanRestorePoint', 'x');
  const b = new StepFailure('PVCNotFound', 'y', 'invalid-input');
  assert.deepEqual([a.reason, a.code, a.kind], ['NoCleanRestorePoint', 'INCIDENT_NO_CLEAN_RESTORE_POINT', 'conflict']);
  assert.deepEqual([b.code, b.kind], ['INCIDENT_PVC_NOT_FOUND', 'invalid-input']);
});
