/**
 * A result's severity. Every source present is read, and the strictest decides: a scanner's own
 * label is never silently lowered by another source (Trivy labels CRITICAL a finding whose CVSS
 * score says high, and puts the label only in the rule's tags). The sources:
 * - `security-severity` (a CVSS score) on the result or its rule, in GitHub's bands;
 * - the tool's own label: Bandit `issue_severity`, a `severity` property (Semgrep, others), a
 *   CRITICAL/HIGH/MEDIUM/LOW tag (Trivy, gosec), CodeQL's `problem.severity`;
 * - the SARIF level the result has (see rules.ts: its own, an override, the rule's default).
 * All of them are returned, so what each source said is kept beside the decision.
 */
import { compareSeverity, fromCvss, fromLevel, fromWord, type Severity } from './severity.js';
import type { Level, RuleOf } from './rules.js';
import type { SarifResult, SarifRule } from './sarif-schema.js';

export type SeveritySource = 'security-severity' | 'tool' | 'tag' | 'level' | 'rule-level' | 'default-level';

export interface SeverityOf {
  severity: Severity;
  source: SeveritySource;
  /** What each source present said, strictest first. */
  said: { source: SeveritySource; severity: Severity }[];
}

function cvss(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 && n <= 10 ? n : undefined;
}

const word = (v: unknown): Severity | undefined => (typeof v === 'string' ? fromWord(v) : undefined);

/** The strictest CRITICAL/HIGH/MEDIUM/LOW label among the tags. */
function tagged(tags: unknown): Severity | undefined {
  if (!Array.isArray(tags)) return undefined;
  let best: Severity | undefined;
  for (const t of tags) {
    if (typeof t !== 'string' || !/^(CRITICAL|HIGH|MEDIUM|LOW)$/.test(t)) continue;
    const s = fromWord(t)!;
    if (!best || compareSeverity(s, best) < 0) best = s;
  }
  return best;
}

const levelSource: Record<RuleOf['levelSource'], SeveritySource> = { result: 'level', override: 'rule-level', rule: 'rule-level', default: 'default-level' };

export function severityOf(result: SarifResult, rule: SarifRule | undefined, level: Pick<RuleOf, 'level' | 'levelSource'>): SeverityOf {
  const p = result.properties ?? {};
  const rp = rule?.properties ?? {};
  const said: SeverityOf['said'] = [];
  const add = (source: SeveritySource, severity: Severity | undefined) => severity && said.push({ source, severity });
  const score = cvss(p['security-severity']) ?? cvss(rp['security-severity']);
  add('security-severity', score === undefined ? undefined : fromCvss(score));
  add('tool', word(p.issue_severity) ?? word(p.severity) ?? word(rp.severity) ?? (rp['problem.severity'] === 'recommendation' ? 'low' : word(rp['problem.severity'])));
  add('tag', tagged(p.tags) ?? tagged(rp.tags));
  // A level only speaks when something set it: SARIF's default "warning" is no one's judgement.
  if (level.levelSource !== 'default' || said.length === 0) add(levelSource[level.levelSource], fromLevel(level.level as Level));
  said.sort((a, b) => compareSeverity(a.severity, b.severity));
  return { severity: said[0]!.severity, source: said[0]!.source, said };
}
