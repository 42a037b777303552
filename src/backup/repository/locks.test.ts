import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { STALE_MS, staleness } from './locks.js';

const now = new Date('2026-12-06T12:00:00Z');
const at = (msFromNow: number) => new Date(now.getTime() + msFromNow).toISOString();
// A pid on another host: its liveness cannot be checked, only its refresh time.
const remote = { host: 'elsewhere', pid: 4242 };

describe('staleness', () => {
  const cases: { name: string; lock: { refreshed: string; host: string; pid: number }; unreadable?: boolean; stale: RegExp | undefined }[] = [
    { name: 'a lock refreshed a minute ago counts', lock: { ...remote, refreshed: at(-60_000) }, stale: undefined },
    { name: 'a lock not refreshed for the stale period no longer counts', lock: { ...remote, refreshed: at(-STALE_MS) }, stale: /not refreshed for 10 min/ },
    { name: 'a lock dated a minute ahead counts (clocks differ a little)', lock: { ...remote, refreshed: at(60_000) }, stale: undefined },
    { name: 'a lock dated far in the future is stale instead of blocking prune for good', lock: { ...remote, refreshed: at(3 * 86_400_000) }, stale: /in the future/ },
    { name: 'a lock whose time is not a date is stale', lock: { ...remote, refreshed: 'yesterday' }, stale: /not a date/ },
    { name: 'a lock of a process on this host that is gone is stale at once', lock: { host: hostname(), pid: 2 ** 22 + 1, refreshed: at(0) }, stale: /no longer exists/ },
    { name: 'an unreadable lock counts until the store says it is old', lock: { ...remote, refreshed: at(-60_000) }, unreadable: true, stale: undefined },
    { name: 'an unreadable lock untouched for the stale period is stale', lock: { ...remote, refreshed: at(-STALE_MS - 1) }, unreadable: true, stale: /unreadable and untouched/ },
  ];
  for (const c of cases)
    it(c.name, () => {
      const got = staleness(c.lock, now, c.unreadable);
      if (c.stale) assert.match(got ?? '', c.stale);
      else assert.equal(got, undefined);
    });
});
