import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planReads, type Wanted } from './read-plan.js';

const w = (pack: string, offset: number, length: number): Wanted => ({ pack, offset, length });

describe('planReads', () => {
  const cases: { name: string; wanted: Wanted[]; ranges: Wanted[]; at: { range: number; offset: number }[] }[] = [
    {
      name: 'reads adjacent chunks of one pack with one read, whatever order they are asked in',
      wanted: [w('a', 200, 100), w('a', 0, 100), w('a', 100, 100)],
      ranges: [w('a', 0, 300)],
      at: [{ range: 0, offset: 200 }, { range: 0, offset: 0 }, { range: 0, offset: 100 }],
    },
    {
      name: 'reads across a gap no larger than maxGap, and separately beyond it',
      wanted: [w('a', 0, 100), w('a', 150, 50), w('a', 1000, 10)],
      ranges: [w('a', 0, 200), w('a', 1000, 10)],
      at: [{ range: 0, offset: 0 }, { range: 0, offset: 150 }, { range: 1, offset: 0 }],
    },
    {
      name: 'never joins two packs',
      wanted: [w('b', 100, 10), w('a', 110, 10)],
      ranges: [w('a', 110, 10), w('b', 100, 10)],
      at: [{ range: 1, offset: 0 }, { range: 0, offset: 0 }],
    },
    {
      name: 'reads a chunk named twice once',
      wanted: [w('a', 0, 100), w('a', 0, 100)],
      ranges: [w('a', 0, 100)],
      at: [{ range: 0, offset: 0 }, { range: 0, offset: 0 }],
    },
    {
      name: 'starts a new read before one would pass maxRead, but gives a larger chunk a read of its own',
      wanted: [w('a', 0, 300), w('a', 300, 300), w('a', 600, 2000)],
      ranges: [w('a', 0, 600), w('a', 600, 2000)],
      at: [{ range: 0, offset: 0 }, { range: 0, offset: 300 }, { range: 1, offset: 0 }],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const plan = planReads(c.wanted, 64, 1000);
      assert.deepEqual(plan.ranges, c.ranges);
      assert.deepEqual(plan.at, c.at);
    });
});
