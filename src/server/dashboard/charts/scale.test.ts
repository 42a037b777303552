import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byteTicks, countTicks, durationTicks, linearScale, niceStep, niceTicks, timeLabel, timeStep, timeTicks } from './scale.js';

describe('chart scales', () => {
  const steps: [string, number, number, number][] = [
    ['a span of 10 in 5 steps goes by 2', 10, 5, 2],
    ['a span of 7 in 5 steps goes by 2 (1.4 rounds up to 2)', 7, 5, 2],
    ['a span of 3 in 5 steps goes by 1', 3, 5, 1],
    ['a span of 0.3 in 5 steps goes by 0.1', 0.3, 5, 0.1],
    ['a span of 40000 in 4 steps goes by 10000', 40_000, 4, 10_000],
    ['a span of 2600 in 5 steps goes by 1000 (520 rounds up)', 2600, 5, 1000],
    ['an empty span gets a step of 1 rather than dividing by zero', 0, 5, 1],
  ];
  for (const [name, span, count, step] of steps) it(name, () => assert.equal(niceStep(span, count), step));

  const ticks: [string, [number, number, number], number[]][] = [
    ['covers 0..9 with 0, 2, …, 10', [0, 9, 5], [0, 2, 4, 6, 8, 10]],
    ['starts below a minimum that is not on a step', [3, 17, 4], [0, 5, 10, 15, 20]],
    ['prints decimal steps without floating-point noise', [0, 0.3, 3], [0, 0.1, 0.2, 0.3]],
    ['gives a flat series an axis of its own', [5, 5, 5], [5, 5.2, 5.4, 5.6, 5.8, 6]],
    ['accepts min and max swapped', [10, 0, 2], [0, 5, 10]],
  ];
  for (const [name, [a, b, c], want] of ticks) it(name, () => assert.deepEqual(niceTicks(a, b, c), want));

  it('maps a domain onto a range, inverted for a y axis', () => {
    const y = linearScale([0, 100], [200, 0]);
    assert.equal(y(0), 200);
    assert.equal(y(100), 0);
    assert.equal(y(25), 150);
    assert.equal(linearScale([3, 3], [0, 10])(3), 5, 'a zero-width domain maps to the middle');
  });

  const bytes: [string, number, string[]][] = [
    ['labels bytes below a KiB in bytes', 700, ['0 B', '200 B', '400 B', '600 B', '800 B']],
    ['labels 300 KiB in KiB', 300 * 1024, ['0 KiB', '100 KiB', '200 KiB', '300 KiB']],
    ['labels 2.5 MiB in whole MiB', 2.5 * 1024 * 1024, ['0 MiB', '1 MiB', '2 MiB', '3 MiB']],
    ['gives zero bytes an axis up to 1 B, never a fraction of a byte', 0, ['0 B', '1 B']],
  ];
  for (const [name, max, labels] of bytes) it(name, () => assert.deepEqual(byteTicks(max).map((t) => t.label), labels));

  const durations: [string, number, string[]][] = [
    ['labels sub-second runs in ms', 450, ['0 ms', '200 ms', '400 ms', '600 ms']],
    ['labels runs of seconds in s', 7000, ['0 s', '2 s', '4 s', '6 s', '8 s']],
    ['labels runs of minutes in min', 9 * 60_000, ['0 min', '5 min', '10 min']],
  ];
  for (const [name, max, labels] of durations) it(name, () => assert.deepEqual(durationTicks(max).map((t) => t.label), labels));

  it('counts only in whole numbers', () => {
    assert.deepEqual(countTicks(2).map((t) => t.label), ['0', '1', '2']);
    assert.deepEqual(countTicks(0).map((t) => t.label), ['0', '1']);
    assert.deepEqual(countTicks(9).map((t) => t.label), ['0', '5', '10']);
  });

  const S = 1000;
  const M = 60 * S;
  const H = 60 * M;
  const D = 24 * H;
  const time: [string, number, number][] = [
    ['steps by 15 s over a minute', M, 15 * S],
    ['steps by 15 min over an hour', H, 15 * M],
    ['steps by 6 h over a day', D, 6 * H],
    ['steps by 2 days over a week', 7 * D, 2 * D],
    ['steps by a year over ten years', 3650 * D, 365 * D],
  ];
  for (const [name, span, step] of time) it(name, () => assert.equal(timeStep(span, 5), step));

  it('labels time ticks in UTC, as precise as the step', () => {
    const t = Date.parse('2026-12-07T06:05:30Z');
    assert.equal(timeLabel(t, 15 * S), '06:05:30');
    assert.equal(timeLabel(t, 5 * M), '06:05');
    assert.equal(timeLabel(Date.parse('2026-12-07T00:00:00Z'), 6 * H), '12-07', 'midnight names the day');
    assert.equal(timeLabel(t, 2 * D), '12-07');
    assert.equal(timeLabel(t, 365 * D), '2026-12-07');
  });

  it('puts time ticks on whole steps inside the span', () => {
    const start = Date.parse('2026-12-07T06:02:10Z');
    const ticks = timeTicks(start, start + H, 5);
    assert.deepEqual(ticks.map((t) => t.label), ['06:15', '06:30', '06:45', '07:00']);
    assert.ok(ticks.every((t) => t.value >= start && t.value <= start + H));
    assert.equal(timeTicks(start, start).length, 1, 'a single instant still gets a tick');
  });
});
