/**
 * What each source said of a finding's severity, as the catalog keeps it beside the decided one:
 * one short text per finding, `source=raw:severity` entries joined by "," with the deciding
 * source first (e.g. `rule-level=error:high,tag=MEDIUM:medium`). A raw value is a CVSS number,
 * a severity word fromWord knows, a CRITICAL/HIGH/MEDIUM/LOW tag or a SARIF level, so it never
 * holds "," "=" or ":". Findings ingested before this was kept have none: "not recorded".
 */
import { compareSeverity, isSeverity, type Severity } from './severity.js';
import { severitySources, type Said, type SeveritySource } from './severity-policy.js';

/** The catalog's text for `said`, the decider first. */
export function packSaid(decider: Said, said: readonly Said[]): string {
  let out = `${decider.source}=${decider.raw}:${decider.severity}`;
  for (const s of said) if (s !== decider) out += `,${s.source}=${s.raw}:${s.severity}`;
  return out;
}

/** The entries back, the decider first; entries this Holdfast cannot read are left out. */
export function unpackSaid(packed: string): Said[] {
  return packed.split(',').flatMap((e): Said[] => {
    const m = /^([a-z-]+)=([^:]*):([a-z]+)$/.exec(e);
    const source = m?.[1] as SeveritySource | undefined;
    return m && source && (severitySources as readonly string[]).includes(source) && isSeverity(m[3]!) ? [{ source, raw: m[2]!, severity: m[3] as Severity }] : [];
  });
}

export interface SaidView extends Said {
  /** The source in words, e.g. "gosec's tag MEDIUM". */
  label: string;
  /** Stricter than the decided severity: a policy other than the strictest let a milder source decide. */
  stricter: boolean;
}

export interface SeverityExplanation {
  severity: string;
  /** False for a finding ingested before the sources were kept. */
  recorded: boolean;
  decidedBy: SaidView | undefined;
  /** The other sources, the strictest first. */
  alsoSaid: SaidView[];
  /** All of it in one line, for a page or a log. */
  text: string;
}

function label(s: Said, tool: string): string {
  switch (s.source) {
    case 'security-severity':
      return `security-severity ${s.raw} (CVSS)`;
    case 'tool':
      return `${tool}'s severity ${s.raw}`;
    case 'tag':
      return `${tool}'s tag ${s.raw}`;
    case 'level':
      return `the result's SARIF level ${s.raw}`;
    case 'rule-level':
      return `the rule's SARIF level ${s.raw}`;
    case 'default-level':
      return `SARIF's default level ${s.raw} (none given)`;
  }
}

/** Why a finding has its severity, from the catalog's text (undefined: not recorded). */
export function explainSeverity(severity: string, packed: string | undefined, tool: string): SeverityExplanation {
  const said = packed === undefined ? [] : unpackSaid(packed);
  const decider = said[0];
  if (!decider)
    return {
      severity,
      recorded: false,
      decidedBy: undefined,
      alsoSaid: [],
      text: `${severity} — which sources said what was not recorded (ingested before Holdfast kept them; the next report of it records them)`,
    };
  const view = (s: Said): SaidView => ({ ...s, label: label(s, tool), stricter: isSeverity(severity) && compareSeverity(s.severity, severity) < 0 });
  const alsoSaid = said
    .slice(1)
    .sort((a, b) => compareSeverity(a.severity, b.severity))
    .map(view);
  const also = alsoSaid.map((s) => `${s.label} → ${s.severity}${s.stricter ? ' (stricter, not chosen by the severity policy)' : ''}`);
  return {
    severity,
    recorded: true,
    decidedBy: view(decider),
    alsoSaid,
    text: `${severity} — decided by ${label(decider, tool)} → ${decider.severity}${also.length ? `; also said: ${also.join('; ')}` : ''}`,
  };
}
