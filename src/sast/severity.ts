/**
 * Severity: the one scale every scanner's findings are put on. `security-severity` (a CVSS score)
 * wins when present; then the tool's own severity field; then the SARIF level.
 */
export const severities = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof severities)[number];

const rank: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

export function isSeverity(s: string): s is Severity {
  return (severities as readonly string[]).includes(s);
}

/** True when `s` is at or above `threshold`. */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return rank[s] >= rank[threshold];
}

export function compareSeverity(a: Severity, b: Severity): number {
  return rank[b] - rank[a];
}

/** CVSS bands as GitHub code scanning reads `security-severity`. 0.0 is "none" (info). */
export function fromCvss(score: number): Severity {
  if (score >= 9.0) return 'critical';
  if (score >= 7.0) return 'high';
  if (score >= 4.0) return 'medium';
  if (score >= 0.1) return 'low';
  return 'info';
}

/** SARIF levels: error, warning, note, none. */
export function fromLevel(level: string): Severity | undefined {
  switch (level) {
    case 'error':
      return 'high';
    case 'warning':
      return 'medium';
    case 'note':
      return 'low';
    case 'none':
      return 'info';
    default:
      return undefined;
  }
}

/** Words tools use for their own severities (Bandit HIGH/MEDIUM/LOW, gosec, Semgrep ERROR/WARNING/INFO). */
export function fromWord(word: string): Severity | undefined {
  switch (word.trim().toLowerCase()) {
    case 'critical':
    case 'blocker':
      return 'critical';
    case 'high':
    case 'error':
      return 'high';
    case 'medium':
    case 'moderate':
    case 'warning':
      return 'medium';
    case 'low':
    case 'minor':
    case 'note':
    case 'info':
      return 'low';
    default:
      return undefined;
  }
}
