import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeConflict, type IncidentView } from './active.js';

const t = (m: number) => new Date(Date.UTC(2026, 11, 1, 10, m));
const me: IncidentView = { name: 'b', pvc: 'data', createdAt: t(5) };
const cases: { name: string; others: IncidentView[]; refused: boolean }[] = [
  { name: 'an older incident awaiting approval on the same PVC refuses the new one', others: [{ name: 'a', pvc: 'data', createdAt: t(1), phase: 'AwaitingApproval' }], refused: true },
  { name: 'an older running incident on the same PVC refuses the new one', others: [{ name: 'a', pvc: 'data', createdAt: t(1), phase: 'Running' }], refused: true },
  { name: 'a finished incident on the same PVC does not', others: [{ name: 'a', pvc: 'data', createdAt: t(1), phase: 'Succeeded' }, { name: 'c', pvc: 'data', createdAt: t(2), phase: 'Failed' }], refused: false },
  { name: 'an incident on another PVC does not', others: [{ name: 'a', pvc: 'logs', createdAt: t(1), phase: 'Running' }], refused: false },
  { name: 'a younger incident does not refuse the older one', others: [{ name: 'z', pvc: 'data', createdAt: t(9), phase: 'Running' }], refused: false },
  { name: 'of two created in the same second the one with the smaller name wins', others: [{ name: 'a', pvc: 'data', createdAt: t(5) }], refused: true },
];
for (const c of cases) test(c.name, () => assert.equal(activeConflict(me, c.others) !== undefined, c.refused));

test('the refusal names the active incident and says nothing was changed', () => {
  assert.match(activeConflict(me, [{ name: 'a', pvc: 'data', createdAt: t(1), phase: 'Running' }])!.message, /Incident a is already active on PVC data \(phase Running\); nothing was changed/);
});
