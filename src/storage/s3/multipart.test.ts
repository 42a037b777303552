import { it } from 'node:test';
import assert from 'node:assert/strict';
import { partRanges } from './multipart.js';

it('cuts a blob into equal parts with a shorter last part', () => {
  assert.deepEqual(partRanges(20, 8), [{ start: 0, end: 8 }, { start: 8, end: 16 }, { start: 16, end: 20 }]);
});

it('cuts a blob of an exact multiple into full parts only', () => {
  assert.deepEqual(partRanges(16, 8), [{ start: 0, end: 8 }, { start: 8, end: 16 }]);
});
