/** Durations in specs and flags: "90d", "12h", "30m", "45s", "500ms", or combined like "1h30m". */
import { tlsError } from './errors.js';

const unit: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export function parseDuration(s: string, where = 'duration'): number {
  const v = s.trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(v))) {
    total += Number(m[1]) * unit[m[2]!]!;
    end = re.lastIndex;
  }
  if (v.length === 0 || end !== v.length || !(total > 0))
    throw tlsError('TLS_INVALID_SPEC', `${where}: invalid duration "${s}" (use e.g. 90d, 12h, 30m)`);
  return Math.round(total);
}
