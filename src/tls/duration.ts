/** Durations in certificate specs and flags (src/base/duration.ts), which must be positive. */
import { DURATION_EXAMPLES, parseDurationMs } from '../base/duration.js';
import { tlsError } from './errors.js';

export function parseDuration(s: string, where = 'duration'): number {
  const ms = parseDurationMs(s.trim());
  if (!ms) throw tlsError('TLS_INVALID_SPEC', `${where}: invalid duration "${s}" (expected ${DURATION_EXAMPLES}, more than zero)`);
  return ms;
}
