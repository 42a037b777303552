import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSla, slaOf } from './sla.js';

const now = new Date('2026-03-01T00:00:00Z');
const cases: [string, { state: string; severity: string; firstSeenAt: string }, string, boolean][] = [
  ['an open critical finding seen 8 days ago is overdue with the 7-day default', { state: 'open', severity: 'critical', firstSeenAt: '2026-02-21T00:00:00Z' }, 'overdue', true],
  ['an open high finding seen 8 days ago is within its 30 days', { state: 'open', severity: 'high', firstSeenAt: '2026-02-21T00:00:00Z' }, 'within', false],
  ['a dismissed finding has no deadline', { state: 'dismissed', severity: 'critical', firstSeenAt: '2025-01-01T00:00:00Z' }, 'not-open', false],
  ['an info finding has no deadline by default', { state: 'open', severity: 'info', firstSeenAt: '2025-01-01T00:00:00Z' }, 'no-deadline', false],
];
for (const [name, f, reason, overdue] of cases) {
  test(name, () => {
    const s = slaOf(f, parseSla(undefined), now);
    assert.equal(s.reason, reason);
    assert.equal(s.overdue, overdue);
  });
}

test('configured days replace the defaults', () => {
  const s = slaOf({ state: 'open', severity: 'high', firstSeenAt: '2026-02-21T00:00:00Z' }, parseSla('high=3'), now);
  assert.equal(s.reason, 'overdue');
  assert.throws(() => parseSla('high=soon'), /expected severity=days/);
});
