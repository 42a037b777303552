/**
 * Durations as people write them in config, specs and flags: "500ms", "30s", "5m", "36h", "7d",
 * "2w", or a sum like "1h30m". Months and years are deliberately absent (they are calendar lengths,
 * handled by retention's keepWithin): every unit is a fixed number of milliseconds, so timeouts and
 * thresholds never drift. Each caller words its own error; this only says whether it is one.
 */
const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const whole = /^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/;

export const DURATION_EXAMPLES = 'a duration like 30s, 5m, 36h, 7d or 1h30m (units ms, s, m, h, d, w)';

/** Milliseconds, or undefined when `s` is not a duration. */
export function parseDurationMs(s: string): number | undefined {
  if (!whole.test(s)) return undefined;
  let total = 0;
  for (const [, n, unit] of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(n) * unitMs[unit!]!;
  return Math.round(total);
}
