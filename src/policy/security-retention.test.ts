import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pointVerdict, securityKeep, type JudgedRestorePoint } from './security-retention.js';

const p = (id: string, d: number, verdict: JudgedRestorePoint['verdict']): JudgedRestorePoint => ({ snapshotId: id, time: new Date(Date.UTC(2026, 0, d)), verdict });

const cases: [string, JudgedRestorePoint[], string[], string][] = [
  ['keeps the last known-good point when the newest is vulnerable', [p('a', 1, 'clean'), p('b', 2, 'clean'), p('c', 3, 'vulnerable')], ['b'], 'kept-newest-clean'],
  ['keeps the newest point when it is clean', [p('a', 1, 'clean'), p('b', 2, 'clean')], ['b'], 'kept-newest-clean'],
  ['an unknown point is not known-good', [p('a', 1, 'clean'), p('b', 2, 'unknown')], ['a'], 'kept-newest-clean'],
  ['keeps nothing extra when no point is known-good', [p('a', 1, 'vulnerable'), p('b', 2, 'unknown')], [], 'no-clean-point'],
  ['keeps nothing for a volume without points', [], [], 'no-points'],
];
for (const [name, points, keep, reason] of cases) {
  test(name, () => {
    const k = securityKeep('shop-data', points);
    assert.deepEqual(k.keep, keep);
    assert.equal(k.reason, reason);
  });
}

test('one vulnerable version taints a restore point and one unknown leaves it unknown', () => {
  assert.equal(pointVerdict([{ verdict: 'clean' }, { verdict: 'vulnerable' }, { verdict: 'unknown' }]), 'vulnerable');
  assert.equal(pointVerdict([{ verdict: 'clean' }, { verdict: 'unknown' }]), 'unknown');
  assert.equal(pointVerdict([{ verdict: 'clean' }]), 'clean');
  assert.equal(pointVerdict([]), 'unknown');
});
