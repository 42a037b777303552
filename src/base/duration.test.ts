import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDurationMs } from './duration.js';

describe('durations people write', () => {
  const table: [string, number | undefined][] = [
    ['500ms', 500],
    ['30s', 30_000],
    ['90d', 90 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['0s', 0],
    ['90', undefined],
    ['', undefined],
    ['1 h', undefined],
    ['1y', undefined],
    ['5m junk', undefined],
  ];
  for (const [text, ms] of table)
    it(`"${text}" is ${ms === undefined ? 'not a duration' : `${ms} ms`}`, () => assert.equal(parseDurationMs(text), ms));
});
