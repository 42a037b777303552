import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { carriedSignalsSchema, changeSignalsSchema } from './signals.js';

describe('the signals a snapshot carries for later judgements', () => {
  const good = { files: 3, filesNew: 1, filesChanged: 1, filesRemoved: 0, bytesChanged: 10, bytesNew: 8, bytesDeduplicated: 2, bytesNewStored: 5, bytesNewIncompressible: 0, renamed: { '.locked': 2 } };
  for (const [name, value] of [
    ['a full set', good],
    ['the first backup of a volume', { ...good, initial: true }],
    ['fields in another order', Object.fromEntries(Object.entries(good).reverse())],
    ['a field a later version added', { ...good, entropy: 0.5 }],
    ['a count that is negative', { ...good, files: -1 }],
    ['a count that is not whole', { ...good, bytesNew: 1.5 }],
    ['a count given as text', { ...good, filesNew: '1' }],
    ['a missing count', { ...good, filesRemoved: undefined }],
    ['a renamed count that is negative', { ...good, renamed: { '.x': -1 } }],
    ['renamed as a list', { ...good, renamed: [] }],
    ['initial as text', { ...good, initial: 'yes' }],
    ['not an object', 7],
    ['null', null],
  ] as const) {
    it(`reads ${name} exactly as the full schema does`, () => {
      const full = changeSignalsSchema.safeParse(value);
      const carried = carriedSignalsSchema.safeParse(value);
      assert.equal(carried.success, full.success);
      if (full.success && carried.success) assert.equal(JSON.stringify(carried.data), JSON.stringify(full.data));
    });
  }
});
