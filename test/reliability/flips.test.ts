/**
 * The CI slice of the bit-flip campaign: one seeded bit flipped in one file of each kind, then
 * list, restore every snapshot, check, back up, prune and restore again through the real binary.
 * No restore may exit 0 with wrong bytes, damage that matters must fail `check --read-data`, and
 * prune must not make the damage worse.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { CI_SEED, runSlice } from './slice.js';

it(`one flipped bit in any kind of repository file never yields wrong bytes with exit 0 (seed ${CI_SEED})`, async () => {
  const { report, failed, log } = await runSlice({ flipsPerKind: 1, families: ['flip'] });
  assert.deepEqual(failed, [], log);
  assert.equal(report.tally.total.silentWrongData, 0, log);
  assert.ok(report.tally.total.flips >= 5, log);
});
