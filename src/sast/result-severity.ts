/**
 * A result's severity, from the most to the least specific evidence:
 * 1. `security-severity` (a CVSS score) on the result or its rule;
 * 2. the tool's own severity field: Bandit `issue_severity`, gosec's severity tag, a `severity`
 *    property (Semgrep, others), CodeQL's `problem.severity`;
 * 3. the SARIF level: the result's, else the rule's `defaultConfiguration.level`, else "warning"
 *    (SARIF's default when absent).
 */
import { fromCvss, fromLevel, fromWord, type Severity } from './severity.js';
import type { SarifResult, SarifRule } from './sarif-schema.js';

export type SeveritySource = 'security-severity' | 'tool' | 'level' | 'rule-level' | 'default-level';

export interface SeverityOf {
  severity: Severity;
  source: SeveritySource;
}

function cvss(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 && n <= 10 ? n : undefined;
}

function word(v: unknown): Severity | undefined {
  return typeof v === 'string' ? fromWord(v) : undefined;
}

export function severityOf(result: SarifResult, rule: SarifRule | undefined, tool: string): SeverityOf {
  const p = result.properties ?? {};
  const rp = rule?.properties ?? {};
  const score = cvss(p['security-severity']) ?? cvss(rp['security-severity']);
  if (score !== undefined) return { severity: fromCvss(score), source: 'security-severity' };

  const own =
    word(p.issue_severity) ??
    word(p.severity) ??
    word(rp.severity) ??
    (/gosec/i.test(tool) ? gosecTag(rp.tags) ?? gosecTag(p.tags) : undefined) ??
    (rp['problem.severity'] === 'recommendation' ? 'low' : word(rp['problem.severity']));
  if (own) return { severity: own, source: 'tool' };

  if (result.level) return { severity: fromLevel(result.level)!, source: 'level' };
  const ruleLevel = rule?.defaultConfiguration?.level;
  if (ruleLevel) return { severity: fromLevel(ruleLevel)!, source: 'rule-level' };
  return { severity: 'medium', source: 'default-level' };
}

/** gosec puts its severity among the rule's tags ("security", "HIGH"). */
function gosecTag(tags: unknown): Severity | undefined {
  if (!Array.isArray(tags)) return undefined;
  for (const t of tags) if (typeof t === 'string' && /^(CRITICAL|HIGH|MEDIUM|LOW)$/.test(t)) return fromWord(t);
  return undefined;
}
