import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backupSeries, certificateSpans, openFindingsOverTime } from './data.js';
import { spanChart, timeChart } from './svg.js';
import { byteTicks } from './scale.js';

const t = (s: string) => new Date(`2026-12-07T${s}Z`);
const ms = (s: string) => t(s).getTime();

describe('chart data', () => {
  it('plots each succeeded backup per volume, oldest first, with the data it added', () => {
    const run = (target: string, at: string, o: Partial<{ status: string; durationMs: number; bytes: number; added: number }> = {}) => ({
      target,
      status: o.status ?? 'succeeded',
      finishedAt: t(at),
      durationMs: o.durationMs ?? 100,
      bytes: o.bytes ?? 1000,
      details: o.added === undefined ? {} : { addedBytes: o.added },
    });
    const s = backupSeries([run('b', '06:02:00', { added: 5 }), run('a', '06:01:00', { durationMs: 300, added: 0 }), run('a', '06:00:00', { bytes: 2000, added: 2000 }), run('a', '06:03:00', { status: 'failed' })]);
    assert.deepEqual(s.map((x) => x.volume), ['a', 'b']);
    assert.deepEqual(s[0]!.duration.map((p) => p.v), [100, 300], 'a failed backup is not a point');
    assert.deepEqual(s[0]!.size.map((p) => p.v), [2000, 1000]);
    assert.deepEqual(s[0]!.added, [{ t: ms('06:00:00'), v: 2000 }, { t: ms('06:01:00'), v: 0 }]);
  });

  it('draws each issued certificate from issue to expiry and marks renewals, ignoring probes', () => {
    const e = (name: string, at: string, action: string, until?: string) => ({ name, time: t(at), action, serial: '0a', notAfter: until ? t(until) : undefined });
    const c = certificateSpans([e('web', '06:10:00', 'renewed', '07:10:00'), e('web', '06:00:00', 'issued', '07:00:00'), e('web', '06:05:00', 'probed', '07:00:00')]);
    assert.deepEqual(c.spans.map((s) => [s.from, s.to]), [[ms('06:00:00'), ms('07:00:00')], [ms('06:10:00'), ms('07:10:00')]]);
    assert.deepEqual(c.marks.map((m) => m.t), [ms('06:10:00')]);
  });

  const findings: [string, Parameters<typeof openFindingsOverTime>[0], Record<string, [string, number][]>][] = [
    ['counts a finding open from first seen until now', [{ severity: 'high', firstSeenAt: '2026-12-07T06:00:00Z' }], { high: [['06:00:00', 1], ['07:00:00', 1]] }],
    [
      'drops a finding when it is fixed and another when it is dismissed',
      [
        { severity: 'high', firstSeenAt: '2026-12-07T06:00:00Z', fixedAt: '2026-12-07T06:30:00Z' },
        { severity: 'high', firstSeenAt: '2026-12-07T06:10:00Z', dismissedAt: '2026-12-07T06:40:00Z' },
        { severity: 'low', firstSeenAt: '2026-12-07T06:20:00Z' },
      ],
      { high: [['06:00:00', 1], ['06:10:00', 2], ['06:30:00', 1], ['06:40:00', 0], ['07:00:00', 0]], low: [['06:20:00', 1], ['07:00:00', 1]] },
    ],
    ['counts two findings of one report seen at the same instant as one step of two', [{ severity: 'medium', firstSeenAt: '2026-12-07T06:00:00Z' }, { severity: 'medium', firstSeenAt: '2026-12-07T06:00:00Z' }], { medium: [['06:00:00', 2], ['07:00:00', 2]] }],
  ];
  for (const [name, input, want] of findings)
    it(name, () => {
      const got = openFindingsOverTime(input, ['critical', 'high', 'medium', 'low'], ms('07:00:00'));
      assert.deepEqual(
        Object.fromEntries([...got].map(([k, v]) => [k, v.map((p) => [new Date(p.t).toISOString().slice(11, 19), p.v])])),
        want,
      );
    });
});

describe('svg charts', () => {
  it('draws a point per value with its exact value on hover, and escapes names', () => {
    const svg = timeChart({
      id: 'c',
      title: 'Size <b>',
      kind: 'line',
      series: [{ name: 'vol<1>', color: '#123', points: [{ t: ms('06:00:00'), v: 1024 }, { t: ms('06:10:00'), v: 2048 }] }],
      ticks: byteTicks,
      format: (v) => `${v} B`,
    }).s;
    assert.equal((svg.match(/<circle /g) ?? []).length, 2);
    assert.match(svg, /<title>vol&lt;1&gt;: 2048 B at 2026-12-07 06:10:00<\/title>/);
    assert.doesNotMatch(svg, /<b>|vol<1>/);
    assert.match(svg, />2 KiB</, 'the axis reads in KiB');
  });

  it('places the larger value higher (smaller y) and later points to the right', () => {
    const svg = timeChart({ id: 'c', title: 't', kind: 'bar', series: [{ name: 's', color: '#123', points: [{ t: ms('06:00:00'), v: 10 }, { t: ms('06:10:00'), v: 40 }] }], ticks: byteTicks, format: String }).s;
    const bars = [...svg.matchAll(/<rect data-series="s" data-t="\d+" data-v="(\d+)" x="([\d.]+)" y="([\d.]+)"/g)].map((m) => ({ v: Number(m[1]), x: Number(m[2]), y: Number(m[3]) }));
    assert.equal(bars.length, 2);
    assert.ok(bars[1]!.x > bars[0]!.x && bars[1]!.y < bars[0]!.y, JSON.stringify(bars));
  });

  it('says so when there is nothing to plot', () => {
    assert.match(timeChart({ id: 'c', title: 't', kind: 'line', series: [], ticks: byteTicks, format: String, empty: 'no backups yet' }).s, /data-empty="true">no backups yet</);
    assert.match(spanChart({ id: 's', title: 't', spans: [], marks: [], now: 0 }).s, /data-empty/);
  });

  it('draws a span per certificate, a mark per renewal and a line at now', () => {
    const svg = spanChart({ id: 's', title: 't', spans: [{ row: 'web', from: ms('06:00:00'), to: ms('07:00:00'), title: 'x' }], marks: [{ row: 'web', t: ms('06:30:00'), title: 'renewed' }], now: ms('06:45:00') }).s;
    assert.equal((svg.match(/data-span="web"/g) ?? []).length, 1);
    assert.equal((svg.match(/data-mark="web"/g) ?? []).length, 1);
    assert.match(svg, /data-now=/);
  });
});
