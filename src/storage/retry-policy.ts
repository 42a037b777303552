/**
 * Whether to retry a failed storage call, and after how long: a pure function, so the rules are
 * table-tested without sleeping.
 *
 * Only errors of kind 'transient' are retried (timeouts, 5xx, throttling, resets): every other kind
 * means retrying will not help (wrong key, missing bucket, held by retention) or is a bug. The wait
 * is exponential with "equal jitter" — half fixed, half random — so many writers that failed
 * together do not come back together, yet no retry is immediate. Throttling waits twice as long.
 */
import { HoldfastError } from '../base/errors.js';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Wait before the first retry, before jitter. */
  baseMs: number;
  /** No wait is longer than this. */
  capMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 6, baseMs: 250, capMs: 20_000 };

export type RetryDecision = { retry: true; delayMs: number; reason: string } | { retry: false; reason: string };

/**
 * @param attempt the 1-based number of the attempt that just failed
 * @param random01 a number in [0, 1) from the injected random source
 */
export function decideRetry(error: unknown, attempt: number, policy: RetryPolicy, random01: number): RetryDecision {
  if (!(error instanceof HoldfastError)) return { retry: false, reason: 'not a HoldfastError: a defect is not retried' };
  // The AWS SDK re-learns the server's clock from a RequestTimeTooSkewed answer but does not resend;
  // one immediate retry is signed with the corrected time. A second skew error is the user's to fix.
  if (error.code === 'S3_CLOCK_SKEW')
    return attempt === 1 && policy.attempts > 1
      ? { retry: true, delayMs: 0, reason: 'the client corrected its clock offset from the server; one more try' }
      : { retry: false, reason: 'the clock is still skewed after correcting once' };
  if (error.kind !== 'transient') return { retry: false, reason: `${error.kind} errors are not retried` };
  if (attempt >= policy.attempts) return { retry: false, reason: `gave up after ${attempt} attempts` };
  const base = error.code === 'S3_THROTTLED' ? policy.baseMs * 2 : policy.baseMs;
  const ceiling = Math.min(policy.capMs, base * 2 ** (attempt - 1));
  const delayMs = Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random01, 0), 1));
  return { retry: true, delayMs, reason: `${error.code} is transient; attempt ${attempt + 1} of ${policy.attempts}` };
}
