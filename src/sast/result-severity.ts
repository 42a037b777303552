/**
 * A result's severity: what each source present said (severity-policy.ts names them), and the one
 * the policy lets decide. Trivy labels CRITICAL a finding whose CVSS score says high, and puts the
 * label only in the rule's tags; gosec writes level error for a rule it labels MEDIUM. Every
 * source is read, so what each said is kept beside the decision.
 */
import { compareSeverity, fromCvss, fromLevel, fromWord, type Severity } from './severity.js';
import { decideSeverity, type Said, type SeverityPolicy, type SeveritySource } from './severity-policy.js';
import type { Level, RuleOf } from './rules.js';
import type { SarifResult, SarifRule } from './sarif-schema.js';
import { packSaid } from './severity-said.js';

export type { SeveritySource } from './severity-policy.js';

export interface SeverityOf {
  severity: Severity;
  source: SeveritySource;
  /** The deciding entry of `said`. */
  by: Said;
  /** What each source present said, in the sources' order; exactly one level entry. */
  said: Said[];
}

/** A CVSS score as written (number or string) and as a number, when it is one. */
function cvss(v: unknown): { raw: string; score: number } | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 && n <= 10 ? { raw: typeof v === 'string' ? v.trim() : String(n), score: n } : undefined;
}

/** A tool's severity word, when it is one Holdfast reads. */
function word(v: unknown): { raw: string; severity: Severity } | undefined {
  if (typeof v !== 'string') return undefined;
  const severity = fromWord(v);
  return severity && { raw: v.trim(), severity };
}

/** The strictest CRITICAL/HIGH/MEDIUM/LOW label among the tags. */
function tagged(tags: unknown): { raw: string; severity: Severity } | undefined {
  if (!Array.isArray(tags)) return undefined;
  let best: { raw: string; severity: Severity } | undefined;
  for (const t of tags) {
    if (typeof t !== 'string' || !/^(CRITICAL|HIGH|MEDIUM|LOW)$/.test(t)) continue;
    const s = fromWord(t)!;
    if (!best || compareSeverity(s, best.severity) < 0) best = { raw: t, severity: s };
  }
  return best;
}

const levelSource: Record<RuleOf['levelSource'], SeveritySource> = { result: 'level', override: 'rule-level', rule: 'rule-level', default: 'default-level' };

export function severityOf(result: SarifResult, rule: SarifRule | undefined, level: Pick<RuleOf, 'level' | 'levelSource'>, policy: SeverityPolicy = 'strictest'): SeverityOf {
  const p = result.properties ?? {};
  const rp = rule?.properties ?? {};
  const said: Said[] = [];
  const score = cvss(p['security-severity']) ?? cvss(rp['security-severity']);
  if (score) said.push({ source: 'security-severity', raw: score.raw, severity: fromCvss(score.score) });
  const tool = word(p.issue_severity) ?? word(p.severity) ?? word(rp.severity) ?? (rp['problem.severity'] === 'recommendation' ? { raw: 'recommendation', severity: 'low' as const } : word(rp['problem.severity']));
  if (tool) said.push({ source: 'tool', ...tool });
  const tag = tagged(p.tags) ?? tagged(rp.tags);
  if (tag) said.push({ source: 'tag', ...tag });
  said.push({ source: levelSource[level.levelSource], raw: level.level, severity: fromLevel(level.level as Level)! });
  const by = decideSeverity(said, policy);
  return { severity: by.severity, source: by.source, by, said };
}

/** A result's severity with what each source said, packed for the catalog (severity-said.ts). */
export interface ReadSeverity {
  severity: Severity;
  source: SeveritySource;
  said: string;
}

/**
 * severityOf for a run's results one after another. A result without properties of its own says
 * what its rule and level say: those are read once per rule and level, not per result (a scanner
 * writes thousands of results of one rule), and every packed text is shared, not one per result.
 */
export function severityReader(policy: SeverityPolicy): (result: SarifResult, rule: SarifRule | undefined, level: Pick<RuleOf, 'level' | 'levelSource'>) => ReadSeverity {
  const texts = new Map<string, string>();
  const byRule = new Map<SarifRule | undefined, Map<string, ReadSeverity>>();
  const read = (result: SarifResult, rule: SarifRule | undefined, level: Pick<RuleOf, 'level' | 'levelSource'>): ReadSeverity => {
    const sev = severityOf(result, rule, level, policy);
    const packed = packSaid(sev.by, sev.said);
    let said = texts.get(packed);
    if (said === undefined) texts.set(packed, (said = packed));
    return { severity: sev.severity, source: sev.source, said };
  };
  return (result, rule, level) => {
    if (result.properties !== undefined) return read(result, rule, level);
    let levels = byRule.get(rule);
    if (!levels) byRule.set(rule, (levels = new Map()));
    const key = `${level.levelSource}:${level.level}`;
    let r = levels.get(key);
    if (!r) levels.set(key, (r = read(result, rule, level)));
    return r;
  };
}
