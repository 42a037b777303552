/**
 * Which of the severities a result's sources said decides (the policy, `sast.severityPolicy`).
 * Sources (result-severity.ts reads them):
 * - `security-severity`: a CVSS score on the result or its rule (GitHub's bands);
 * - `tool`: the tool's own severity field (Bandit `issue_severity`, `severity`, CodeQL's
 *   `problem.severity`);
 * - `tag`: a CRITICAL/HIGH/MEDIUM/LOW tag (Trivy, gosec);
 * - the SARIF level, exactly one of `level` (the result's own), `rule-level` (an invocation's
 *   override or the rule's default) and `default-level` (none given: SARIF's "warning").
 * Policies:
 * - `strictest` (the default): the strictest source decides, so no source is silently lowered by
 *   another. SARIF's default level is no one's judgement: it counts only when nothing else spoke.
 * - `sarif-level`: the SARIF level alone, as a tool that reads only SARIF would decide.
 * - `scanner-label`: the scanner's own label (score, field or tag; the strictest of them) when it
 *   gave one, else the level: for tools whose levels are coarser than their labels (gosec writes
 *   level error for its MEDIUM rules).
 * Whatever decides, every source's word is kept beside it (severity-said.ts).
 */
import { compareSeverity, type Severity } from './severity.js';

export const severitySources = ['security-severity', 'tool', 'tag', 'level', 'rule-level', 'default-level'] as const;
export type SeveritySource = (typeof severitySources)[number];

/** What one source said: its own word or number as written, and where it puts the result. */
export interface Said {
  source: SeveritySource;
  raw: string;
  severity: Severity;
}

export const severityPolicies = ['strictest', 'sarif-level', 'scanner-label'] as const;
export type SeverityPolicy = (typeof severityPolicies)[number];

const levelSources: ReadonlySet<SeveritySource> = new Set(['level', 'rule-level', 'default-level']);
export const isLevelSource = (s: SeveritySource): boolean => levelSources.has(s);

/** The strictest; on a tie the first (the sources' order: score, tool, tag, level). */
function strictest(said: readonly Said[], keep: (s: Said) => boolean): Said | undefined {
  let best: Said | undefined;
  for (const s of said) if (keep(s) && (!best || compareSeverity(s.severity, best.severity) < 0)) best = s;
  return best;
}

/**
 * The source that decides. `said` holds exactly one level entry (result-severity.ts always adds
 * one), so every policy has an answer.
 */
export function decideSeverity(said: readonly Said[], policy: SeverityPolicy): Said {
  const level = said.find((s) => isLevelSource(s.source))!;
  switch (policy) {
    case 'sarif-level':
      return level;
    case 'scanner-label':
      return strictest(said, (s) => !isLevelSource(s.source)) ?? level;
    case 'strictest':
      return strictest(said, (s) => s.source !== 'default-level') ?? level;
  }
}
