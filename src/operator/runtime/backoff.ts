/**
 * Exponential backoff with full jitter for anything that talks to the API server: watch restarts,
 * failed reconciles, leader-election retries. Jitter keeps several operator replicas (and many
 * queued keys) from hammering an API server that is just coming back, all at the same instant.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 60_000 };

export interface BackoffDecision {
  delayMs: number;
  reason: 'First' | 'Exponential' | 'Capped';
  message: string;
}

/** `attempt` counts failures so far (1 after the first); `unit` is a random number in [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, unit: number): BackoffDecision {
  const n = Math.max(1, Math.floor(attempt));
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(n - 1, 30));
  // Half fixed, half jittered: never zero (no busy loop), never above the ceiling.
  const delayMs = Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(unit, 0), 1));
  const reason = n === 1 ? 'First' : ceiling === policy.maxMs ? 'Capped' : 'Exponential';
  return { delayMs, reason, message: `attempt ${n}: retry in ${delayMs} ms (ceiling ${ceiling} ms)` };
}
