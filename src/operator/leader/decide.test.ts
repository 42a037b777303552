import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leaderDecision, type LeaseRecord } from './decide.js';

const lease = (holder: string | undefined, renewTime = 't1'): LeaseRecord => ({ holder, renewTime, leaseDurationMs: 15_000 });
const cases: [string, Parameters<typeof leaderDecision>, string, string][] = [
  ['a replica that finds no lease creates it', [undefined, undefined, 'a', 0], 'create', 'NoLease'],
  ['the holder renews its own lease', [lease('a'), undefined, 'a', 0], 'renew', 'Holder'],
  ['a released lease is taken at once', [lease(''), undefined, 'b', 0], 'acquire', 'Released'],
  ['a lease seen for the first time is respected even if its renewTime looks old', [lease('a'), undefined, 'b', 1e12], 'follow', 'HeldByOther'],
  ['a lease renewed within its duration is followed', [lease('a'), { record: lease('a'), seenAt: 0 }, 'b', 14_999], 'follow', 'HeldByOther'],
  ['a lease unchanged for its whole duration is taken over', [lease('a'), { record: lease('a'), seenAt: 0 }, 'b', 15_000], 'acquire', 'Expired'],
  ['a renewal resets the expiry clock even after a long wait', [lease('a', 't2'), { record: lease('a', 't1'), seenAt: 0 }, 'b', 60_000], 'follow', 'HeldByOther'],
];
for (const [name, args, action, reason] of cases)
  test(name, () => {
    const d = leaderDecision(...args);
    assert.equal(d.action, action);
    assert.equal(d.reason, reason);
  });
