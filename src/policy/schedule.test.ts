import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideDue, decideSlot, decideStuck, fireTimesBetween, type DueInput } from './schedule.js';
import { decideExpiryAlert, decideRenewal, decideSla, decideVerification, overdueCutoffs } from './schedule-health.js';

const T = (s: string) => new Date(`2026-12-01T${s}Z`);
const min = 60_000;

describe('which runs are due or missed', () => {
  const cases: { name: string; in: DueInput; reason: string; run?: Date; missed: Date[]; mark?: Date }[] = [
    {
      name: 'waits for the next fire time on first start',
      in: { schedule: '0 * * * *', lastFire: undefined, now: T('08:20:00'), missedAfter: min },
      reason: 'NotDue',
      missed: [],
    },
    {
      name: 'runs once on first start when the policy asks for it',
      in: {
        schedule: '0 * * * *',
        lastFire: undefined,
        now: T('08:20:00'),
        missedAfter: min,
        runAtFirstStart: true,
      },
      reason: 'FirstStart',
      run: T('08:20:00'),
      missed: [],
    },
    {
      name: 'is not due between fire times',
      in: { schedule: '*/5 * * * *', lastFire: T('08:05:00'), now: T('08:09:59'), missedAfter: min },
      reason: 'NotDue',
      missed: [],
      mark: T('08:05:00'),
    },
    {
      name: 'runs a fire time that has just passed',
      in: { schedule: '*/5 * * * *', lastFire: T('08:05:00'), now: T('08:10:01'), missedAfter: min },
      reason: 'Due',
      run: T('08:10:00'),
      missed: [],
      mark: T('08:10:00'),
    },
    {
      name: 'reports every fire time missed during downtime and catches up once',
      in: { schedule: '*/5 * * * *', lastFire: T('08:05:00'), now: T('08:22:00'), missedAfter: min },
      reason: 'MissedCatchUp',
      run: T('08:22:00'),
      missed: [T('08:10:00'), T('08:15:00'), T('08:20:00')],
      mark: T('08:20:00'),
    },
    {
      name: 'runs the newest fire time on time even when older ones were missed',
      in: { schedule: '* * * * *', lastFire: T('08:00:00'), now: T('08:03:10'), missedAfter: min },
      reason: 'MissedCatchUp',
      run: T('08:03:00'),
      missed: [T('08:01:00'), T('08:02:00')],
      mark: T('08:03:00'),
    },
    {
      name: 'evaluates cron in UTC whatever the host zone',
      in: { schedule: '0 9 * * *', lastFire: T('08:00:00'), now: T('09:00:30'), missedAfter: min },
      reason: 'Due',
      run: T('09:00:00'),
      missed: [],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const d = decideDue(c.in);
      assert.equal(d.reason, c.reason, d.message);
      assert.deepEqual(d.run, c.run);
      assert.deepEqual(d.missed, c.missed);
      if (c.mark) assert.deepEqual(d.mark, c.mark);
    });

  it('keeps only the newest fire times when a long downtime had very many', () => {
    const f = fireTimesBetween('* * * * *', T('00:00:00'), T('23:59:00'), 10);
    assert.equal(f.length, 10);
    assert.deepEqual(f.at(-1), T('23:59:00'));
  });
});

describe('watchdog and concurrency', () => {
  const cases = [
    {
      name: 'leaves a run alone within its timeout',
      run: { status: 'running', startedAt: T('08:00:00') },
      now: T('08:30:00'),
      reason: 'Running',
    },
    {
      name: 'marks a run stuck after its timeout',
      run: { status: 'running', startedAt: T('08:00:00') },
      now: T('09:00:01'),
      reason: 'Stuck',
    },
    {
      name: 'ignores a run that already finished',
      run: { status: 'failed', startedAt: T('08:00:00') },
      now: T('10:00:00'),
      reason: 'NotRunning',
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(decideStuck(c.run, c.now, 60 * min).reason, c.reason));
  it('starts a run while the repository has a free slot and waits when it is full', () => {
    assert.equal(decideSlot(0, 1).reason, 'Start');
    assert.equal(decideSlot(1, 2).reason, 'Start');
    assert.equal(decideSlot(2, 2).reason, 'Wait');
  });
});

describe('health decisions', () => {
  const day = 86_400_000;
  const since = T('00:00:00');
  const v = (lastPassed: Date | undefined, lastResult: 'passed' | 'failed' | undefined, now: Date) =>
    decideVerification({ lastPassed, lastResult, since, now, staleAfter: 2 * day }).reason;
  it('calls a recent passed verification fresh', () =>
    assert.equal(v(T('06:00:00'), 'passed', T('08:00:00')), 'Fresh'));
  it('calls a verification older than the limit stale', () =>
    assert.equal(v(T('06:00:00'), 'passed', new Date(T('06:00:00').getTime() + 3 * day)), 'Stale'));
  it('reports a failed last verification whatever its age', () =>
    assert.equal(v(T('06:00:00'), 'failed', T('07:00:00')), 'Failed'));
  it('is patient with a volume not yet verified, then calls it never verified', () => {
    assert.equal(v(undefined, undefined, T('08:00:00')), 'Pending');
    assert.equal(v(undefined, undefined, new Date(since.getTime() + 3 * day)), 'NeverVerified');
  });
  it('renews a certificate inside its renewal window and not before', () => {
    const notAfter = new Date(T('00:00:00').getTime() + 10 * day);
    assert.equal(decideRenewal({ notAfter, now: T('00:00:00'), renewBefore: 3 * day }).reason, 'Valid');
    assert.equal(
      decideRenewal({ notAfter, now: new Date(notAfter.getTime() - 2 * day), renewBefore: 3 * day }).reason,
      'RenewalDue',
    );
    assert.equal(
      decideRenewal({ notAfter, now: new Date(notAfter.getTime() + 1), renewBefore: 3 * day }).reason,
      'Expired',
    );
    assert.equal(
      decideRenewal({ notAfter: undefined, now: T('00:00:00'), renewBefore: 3 * day }).reason,
      'Missing',
    );
  });
  it('alerts on a certificate expiring within the threshold', () => {
    const notAfter = new Date(T('00:00:00').getTime() + 5 * day);
    assert.equal(decideExpiryAlert(notAfter, T('00:00:00'), 14 * day).reason, 'Expiring');
    assert.equal(decideExpiryAlert(notAfter, T('00:00:00'), 2 * day).reason, 'Ok');
  });
  it('marks an open critical finding overdue after its SLA', () => {
    const sla = { critical: 7 * day, high: 30 * day, medium: 90 * day, low: 180 * day };
    assert.equal(
      decideSla({ state: 'open', severity: 'critical', firstSeenAt: since, now: new Date(since.getTime() + 8 * day), sla })
        .reason,
      'Overdue',
    );
    assert.equal(
      decideSla({ state: 'open', severity: 'high', firstSeenAt: since, now: new Date(since.getTime() + 8 * day), sla })
        .reason,
      'WithinSla',
    );
    assert.equal(decideSla({ state: 'open', severity: 'note', firstSeenAt: since, now: since, sla }).reason, 'NoSla');
    for (const state of ['dismissed', 'suppressed', 'fixed'])
      assert.equal(decideSla({ state, severity: 'critical', firstSeenAt: since, now: new Date(since.getTime() + 30 * day), sla }).reason, 'Closed', state);
  });

  it('gives the first-seen cutoffs that agree with decideSla at and around each deadline', () => {
    const sla = { critical: 7 * day, high: 30 * day, medium: 90 * day, low: 180 * day };
    const now = new Date('2026-12-07T10:00:00.000Z');
    const cutoffs = overdueCutoffs(sla, now);
    for (const severity of ['critical', 'high', 'medium', 'low'] as const)
      for (const offset of [-1000, -1, 0, 1, 1000]) {
        const firstSeenAt = new Date(now.getTime() - sla[severity] + offset);
        const byCutoff = firstSeenAt.toISOString() < cutoffs[severity];
        const byDecision = decideSla({ state: 'open', severity, firstSeenAt, now, sla }).reason === 'Overdue';
        assert.equal(byCutoff, byDecision, `${severity} first seen ${offset} ms from the deadline`);
      }
  });
});
