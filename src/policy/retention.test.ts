import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyRetention, isoWeek, subtractDuration, type RetainedItem, type RetentionPolicy } from './retention.js';

const at = (iso: string, id = iso, tags: string[] = []): RetainedItem => ({ id, time: new Date(iso), tags });
const now = new Date('2026-12-01T12:00:00Z');
// One snapshot a day at 02:00 and 14:00 for 40 days back from now.
const twiceDaily: RetainedItem[] = [];
for (let d = 0; d < 40; d++)
  for (const h of [2, 14]) {
    const t = new Date(Date.UTC(2026, 11, 1 - d, h));
    if (t <= now) twiceDaily.push(at(t.toISOString()));
  }

const kept = (items: RetainedItem[], p: RetentionPolicy, pinned?: Map<string, string>) =>
  applyRetention(items, p, now, pinned)
    .filter((d) => d.keep)
    .map((d) => d.id);

describe('GFS retention', () => {
  const cases: { name: string; items: RetainedItem[]; policy: RetentionPolicy; expect: string[] }[] = [
    {
      name: 'keeps nothing when no rule is given',
      items: [at('2026-11-30T00:00:00Z')],
      policy: {},
      expect: [],
    },
    {
      name: 'keeps the newest N with keep-last',
      items: [at('2026-11-28T00:00:00Z'), at('2026-11-30T00:00:00Z'), at('2026-11-29T00:00:00Z')],
      policy: { keepLast: 2 },
      expect: ['2026-11-30T00:00:00Z', '2026-11-29T00:00:00Z'],
    },
    {
      name: 'keeps the newest snapshot of each of the last N days, not the first of the day',
      items: twiceDaily,
      policy: { keepDaily: 3 },
      expect: ['2026-12-01T02:00:00.000Z', '2026-11-30T14:00:00.000Z', '2026-11-29T14:00:00.000Z'],
    },
    {
      name: 'counts only periods that have a snapshot, so a gap does not use up the budget',
      items: [at('2026-12-01T01:00:00Z'), at('2026-11-20T01:00:00Z'), at('2026-11-10T01:00:00Z')],
      policy: { keepDaily: 2 },
      expect: ['2026-12-01T01:00:00Z', '2026-11-20T01:00:00Z'],
    },
    {
      name: 'keeps one per ISO week with keep-weekly',
      items: twiceDaily,
      policy: { keepWeekly: 2 },
      // 2026-12-01 is a Tuesday: this week's newest, and last week's newest (Sunday 29th 14:00).
      expect: ['2026-12-01T02:00:00.000Z', '2026-11-29T14:00:00.000Z'],
    },
    {
      name: 'keeps one per month with keep-monthly',
      items: twiceDaily,
      policy: { keepMonthly: 3 },
      expect: ['2026-12-01T02:00:00.000Z', '2026-11-30T14:00:00.000Z', '2026-10-31T14:00:00.000Z'],
    },
    {
      name: 'keeps everything inside keep-within',
      items: twiceDaily,
      policy: { keepWithin: '1d' },
      expect: ['2026-12-01T02:00:00.000Z', '2026-11-30T14:00:00.000Z'],
    },
    {
      name: 'keeps tagged snapshots whatever their age',
      items: [at('2026-01-01T00:00:00Z', 'old', ['incident']), at('2026-11-30T00:00:00Z', 'new')],
      policy: { keepLast: 1, keepTags: ['incident'] },
      expect: ['new', 'old'],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(kept(c.items, c.policy), c.expect));

  it('keeps a pinned snapshot that no rule keeps, and says why', () => {
    const items = [at('2026-11-30T00:00:00Z', 'new'), at('2026-10-01T00:00:00Z', 'known-good')];
    const d = applyRetention(items, { keepLast: 1 }, now, new Map([['known-good', 'newest known-good']]));
    assert.deepEqual(d[1], { id: 'known-good', keep: true, reasons: ['pinned: newest known-good'] });
  });

  it('gives every reason a snapshot is kept', () => {
    const d = applyRetention([at('2026-12-01T01:00:00Z', 'a')], { keepLast: 1, keepDaily: 1 }, now);
    assert.deepEqual(d[0]?.reasons, ['last 1', 'daily 2026-12-01']);
  });
});

describe('calendar helpers', () => {
  it('puts the first days of January in the last ISO week of the previous year when needed', () => {
    assert.equal(isoWeek(new Date('2027-01-01T00:00:00Z')), '2026-W53');
    assert.equal(isoWeek(new Date('2026-12-01T00:00:00Z')), '2026-W49');
  });
  it('subtracts calendar months and years, not fixed days', () => {
    assert.equal(subtractDuration(now, '1m').toISOString(), '2026-11-01T12:00:00.000Z');
    assert.equal(subtractDuration(now, '1y2d').toISOString(), '2025-11-29T12:00:00.000Z');
  });
});
