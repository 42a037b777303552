import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { suspicionPins, type JudgedPoint } from './suspicion-retention.js';

const day = (d: number, suspicious = false): JudgedPoint => ({ id: `day${String(d).padStart(2, '0')}`, time: new Date(Date.UTC(2026, 11, d, 2)), suspicious });

describe('suspicionPins', () => {
  const cases: { name: string; points: JudgedPoint[]; keep: number; expect: [string, string][] }[] = [
    { name: 'pins nothing when no point is suspicious', points: [day(1), day(2), day(3)], keep: 2, expect: [] },
    {
      name: 'pins the newest clean points before a suspicious one, not the later ones',
      points: [day(1), day(2), day(3), day(4, true), day(5), day(6)],
      keep: 2,
      expect: [
        ['day02', 'clean before suspicious day04'],
        ['day03', 'clean before suspicious day04'],
      ],
    },
    {
      name: 'skips suspicious points when counting the clean ones to keep',
      points: [day(1), day(2, true), day(3), day(4, true)],
      keep: 2,
      expect: [
        ['day01', 'clean before suspicious day02'],
        ['day03', 'clean before suspicious day04'],
      ],
    },
    { name: 'pins nothing when the suspicious point is the oldest', points: [day(1, true), day(2)], keep: 3, expect: [] },
    { name: 'pins nothing with keep 0', points: [day(1), day(2, true)], keep: 0, expect: [] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual([...suspicionPins(c.points, c.keep)].sort(), c.expect));
});
