/**
 * Durations in config: "30s", "5m", "36h", "7d", "2w", or a sum like "1h30m". Months and years are
 * deliberately absent here (they are calendar lengths, handled by retention's keepWithin); every
 * unit below is a fixed number of milliseconds, so timeouts and thresholds never drift.
 */
import { z } from 'zod';

const unitMs: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const durationRe = /^(\d+(ms|s|m|h|d|w))+$/;

export function parseDuration(s: string): number {
  let total = 0;
  for (const [, n, unit] of s.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) total += Number(n) * unitMs[unit!]!;
  return total;
}

/** A duration string in YAML, turned into milliseconds by the schema. */
export const durationSchema = z
  .string()
  .regex(durationRe, 'expected a duration like 30s, 5m, 36h, 7d or 1h30m (units ms, s, m, h, d, w)')
  .transform(parseDuration);
