import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from './backoff.js';

const p = { baseMs: 100, maxMs: 1000 };
const cases: [string, number, number, number, string][] = [
  ['the first retry waits between half and all of the base delay', 1, 0, 50, 'First'],
  ['the first retry with the largest jitter waits the base delay', 1, 1, 100, 'First'],
  ['each further failure doubles the ceiling', 3, 0, 200, 'Exponential'],
  ['the delay never exceeds the cap however many failures', 50, 1, 1000, 'Capped'],
  ['a nonsense attempt number is treated as the first', -3, 0, 50, 'First'],
];
for (const [name, attempt, unit, delay, reason] of cases)
  test(name, () => {
    const d = backoffDelay(attempt, p, unit);
    assert.equal(d.delayMs, delay);
    assert.equal(d.reason, reason);
  });
