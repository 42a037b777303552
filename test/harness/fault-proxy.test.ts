import { it } from 'node:test';
import assert from 'node:assert/strict';
import { allFaults, drawFault, seededRandom } from './fault-proxy.js';

it('draws the same faults for the same seed', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const seqA = Array.from({ length: 200 }, () => drawFault(a, 0.1, allFaults));
  const seqB = Array.from({ length: 200 }, () => drawFault(b, 0.1, allFaults));
  assert.deepEqual(seqA, seqB);
});

it('injects faults at roughly the asked rate and of every kind', () => {
  const r = seededRandom(7);
  const seq = Array.from({ length: 5000 }, () => drawFault(r, 0.1, allFaults));
  const faults = seq.filter((f) => f !== undefined);
  assert.ok(faults.length > 400 && faults.length < 600, String(faults.length));
  for (const k of allFaults) assert.ok(faults.includes(k), k);
});

it('injects nothing at rate zero', () => {
  const r = seededRandom(1);
  assert.ok(Array.from({ length: 1000 }, () => drawFault(r, 0, allFaults)).every((f) => f === undefined));
});
