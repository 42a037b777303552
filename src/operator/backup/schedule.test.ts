import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scheduleDecision, type ScheduleInput } from './schedule.js';

const created = new Date('2026-11-30T00:00:00Z');
const base: ScheduleInput = { schedule: '0 3 * * *', suspend: false, createdAt: created };
const at = (s: string) => new Date(s);

const cases: [string, Partial<ScheduleInput>, string, string, string | undefined][] = [
  ['a policy before its first slot is not due', {}, '2026-11-30T02:59:00Z', 'NotDue', undefined],
  ['a policy past its slot starts a run named after the slot', {}, '2026-11-30T03:00:30Z', 'Due', '20261130t0300'],
  ['missed slots collapse into one run for the latest slot', {}, '2026-12-03T10:00:00Z', 'Due', '20261203t0300'],
  ['a slot already run is not run again', { lastScheduleTime: at('2026-11-30T03:00:00Z') }, '2026-11-30T05:00:00Z', 'NotDue', undefined],
  ['a run in progress blocks a new one', { runInProgress: '20261130t0300' }, '2026-12-01T04:00:00Z', 'RunInProgress', undefined],
  ['a suspended policy does not run on schedule', { suspend: true }, '2026-12-01T04:00:00Z', 'Suspended', undefined],
  ['a new trigger value starts a manual run even when suspended', { suspend: true, trigger: 'now-1' }, '2026-11-30T01:00:00Z', 'Triggered', 'm'],
  ['a handled trigger does not run twice', { trigger: 'now-1', handledTrigger: 'now-1' }, '2026-11-30T01:00:00Z', 'NotDue', undefined],
  ['a schedule that is not cron is reported, not crashed on', { schedule: 'every day' }, '2026-11-30T01:00:00Z', 'InvalidSchedule', undefined],
];
for (const [name, over, now, reason, id] of cases)
  test(name, () => {
    const d = scheduleDecision({ ...base, ...over }, at(now));
    assert.equal(d.reason, reason, d.message);
    if (id === undefined) assert.equal(d.start, undefined);
    else assert.ok(d.start?.id.startsWith(id), `run id ${d.start?.id}`);
  });

test('a per-minute schedule a year behind still decides in bounded time and picks the latest minute', () => {
  const d = scheduleDecision({ ...base, schedule: '* * * * *' }, at('2027-12-01T10:00:30Z'));
  assert.equal(d.start?.id, '20271201t1000');
});
