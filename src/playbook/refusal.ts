/**
 * What an operator can do when no restore point can be chosen, said as one sentence: the options
 * that apply to this refusal, the first plain and the others joined by "or" (a list that only
 * sometimes starts with the scan option once began "options: or dismiss…").
 */
import type { Choice } from '../policy/restore-point.js';

export function refusalOptions(o: { unknownVersions: number; reason: Choice['reason']; onUnknown: 'refuse' | 'skip'; skippedSuspicious?: boolean }): string {
  const options = [
    o.unknownVersions ? 'ingest a SARIF report for the unscanned version(s) named above (holdfast sast ingest)' : undefined,
    o.reason === 'unknown-restore-point' && o.onUnknown === 'refuse' ? 'rerun with --skip-unknown to step over restore points whose versions were never scanned' : undefined,
    o.skippedSuspicious ? 'rerun with --allow-suspicious to consider restore points marked suspicious by their change signals, once you have checked them' : undefined,
    'dismiss the finding if it is a false positive (holdfast sast dismiss)',
    'restore by hand from a snapshot you trust (holdfast restore)',
  ].filter((x): x is string => Boolean(x));
  return options.map((x, i) => (i ? `or ${x}` : x)).join('; ');
}
