import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HoldfastError, transient } from '../base/errors.js';
import { decideRetry, type RetryPolicy } from './retry-policy.js';

const policy: RetryPolicy = { attempts: 5, baseMs: 100, capMs: 1000 };
const t = transient('S3_SERVER', 'x');

describe('decideRetry', () => {
  const cases: Array<[string, unknown, number, number, boolean, number?]> = [
    ['retries a transient error after at least half the base wait', t, 1, 0, true, 50],
    ['waits at most the full base on the first retry', t, 1, 0.999999, true, 100],
    ['doubles the wait on each attempt', t, 3, 0, true, 200],
    ['never waits longer than the cap', t, 4, 0.999999, true, 800],
    ['waits twice as long when the server throttles', transient('S3_THROTTLED', 'x'), 1, 0, true, 100],
    ['gives up when the attempts are used up', t, 5, 0, false],
    ['does not retry a wrong password', new HoldfastError('S3_AUTH', 'auth', 'x'), 1, 0, false],
    ['does not retry a blob held by retention', new HoldfastError('BLOB_HELD', 'conflict', 'x'), 1, 0, false],
    ['does not retry a missing blob', new HoldfastError('BLOB_NOT_FOUND', 'not-found', 'x'), 1, 0, false],
    ['retries a clock-skew error once, at once, after the SDK corrected its offset', new HoldfastError('S3_CLOCK_SKEW', 'permanent', 'x'), 1, 0.7, true, 0],
    ['does not retry a clock-skew error a second time', new HoldfastError('S3_CLOCK_SKEW', 'permanent', 'x'), 2, 0, false],
    ['does not retry a defect', new TypeError('x is undefined'), 1, 0, false],
  ];
  for (const [name, err, attempt, rnd, retry, delay] of cases)
    it(name, () => {
      const d = decideRetry(err, attempt, policy, rnd);
      assert.equal(d.retry, retry, d.reason);
      if (d.retry && delay !== undefined) assert.equal(d.delayMs, delay);
    });

  it('keeps every wait within the cap whatever the random draw', () => {
    const capped = { attempts: 50, baseMs: 100, capMs: 1000 };
    for (let a = 1; a < 50; a++)
      for (const r of [0, 0.5, 0.99]) {
        const d = decideRetry(t, a, capped, r);
        assert.ok(d.retry && d.delayMs <= 1000 && d.delayMs >= 50);
      }
  });
});
