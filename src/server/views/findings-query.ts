/**
 * The findings a security reviewer asks for: filters (severity, tool, state, workload, version,
 * rule), a page of them with the true count, the same findings grouped by rule, and one
 * finding's history. Pure: the rows come in, the answer goes out; table-tested.
 */
import { invalidInput } from '../../base/errors.js';
import { severities } from '../../sast/severity.js';
import type { Sighting } from '../../catalog/finding-history.js';
import type { RuleSeverityCount } from '../../catalog/finding-page.js';
import type { RuleInfo } from '../../catalog/index.js';
import type { FindingView } from './health.js';

export const findingStates = ['open', 'fixed', 'dismissed', 'suppressed'] as const;

export interface FindingsQuery {
  severities: string[] | undefined;
  states: string[] | undefined;
  tool: string | undefined;
  workload: string | undefined;
  version: string | undefined;
  rule: string | undefined;
  page: number;
  perPage: number;
}

const list = (v: string | undefined) => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

function oneOf(name: string, values: string[] | undefined, allowed: readonly string[]): string[] | undefined {
  for (const v of values ?? [])
    if (!allowed.includes(v)) throw invalidInput('BAD_FINDINGS_FILTER', `findings filter ${name}=${v}: expected ${allowed.join(', ')}`);
  return values;
}

/** From a query string; `state=all` (or empty) means every state. Unknown words are refused with one line. */
export function parseFindingsQuery(q: Record<string, string | undefined>, defaults: { state: string; perPage: number } = { state: 'open', perPage: 50 }): FindingsQuery {
  const state = q.state ?? defaults.state;
  const page = Number(q.page ?? 1);
  const perPage = Number(q.perPage ?? defaults.perPage);
  if (!Number.isInteger(page) || page < 1) throw invalidInput('BAD_FINDINGS_FILTER', `findings filter page=${q.page}: expected a whole number from 1`);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 1000) throw invalidInput('BAD_FINDINGS_FILTER', `findings filter perPage=${q.perPage}: expected a whole number from 1 to 1000`);
  if (q.version !== undefined && q.version !== '' && !/^[0-9a-f]{7,64}$/i.test(q.version)) throw invalidInput('BAD_FINDINGS_FILTER', `findings filter version=${q.version}: expected a commit (hex)`);
  return {
    severities: oneOf('severity', list(q.severity), severities),
    states: state === 'all' || state === '' ? undefined : oneOf('state', list(state), findingStates),
    tool: q.tool || undefined,
    workload: q.workload || undefined,
    version: q.version ? q.version.toLowerCase() : undefined,
    rule: q.rule || undefined,
    page,
    perPage,
  };
}

/**
 * The filters the catalog query did not apply. `inVersion`: the ids the version's scans saw
 * (findingsOfCommit), for the version filter; the workload filter reads `deployedIn`.
 */
export function filterFindings(views: readonly FindingView[], q: FindingsQuery, inVersion?: ReadonlySet<string>): FindingView[] {
  return views.filter(
    (f) =>
      (!q.severities || q.severities.includes(f.severity)) &&
      (!q.states || q.states.includes(f.state)) &&
      (!q.tool || f.tool === q.tool) &&
      (!q.rule || f.ruleId === q.rule) &&
      (!q.workload || f.deployedIn.includes(q.workload)) &&
      (!inVersion || inVersion.has(f.id)),
  );
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pages: number;
  from: number;
  to: number;
}

/** One page; a page past the end is the last page (a filter that narrowed the list keeps a link valid). */
export function pageOf<T>(items: readonly T[], page: number, perPage: number): Page<T> {
  const pages = Math.max(1, Math.ceil(items.length / perPage));
  const p = Math.min(page, pages);
  const start = (p - 1) * perPage;
  const slice = items.slice(start, start + perPage);
  return { items: slice, total: items.length, page: p, pages, from: slice.length ? start + 1 : 0, to: start + slice.length };
}

export interface RuleGroup {
  ruleId: string;
  tool: string;
  count: number;
  /** The most severe of its findings. */
  severity: string;
  bySeverity: Record<string, number>;
  cwes: string[];
  /** One message of the rule's findings, as the tool wrote it. */
  example: string;
  deployedIn: string[];
  /** The rule as the scanner described it (ruleText), when it did; helpUri as written, any scheme. */
  name?: string | undefined;
  description?: string | undefined;
  fullDescription?: string | undefined;
  help?: string | undefined;
  helpUri?: string | undefined;
}

export type RuleText = Pick<RuleGroup, 'name' | 'description' | 'fullDescription' | 'help' | 'helpUri'>;

/**
 * What a reviewer reads of a rule, only what the scanner said (SARIF §3.49: name, short and full
 * description, help, help URI): the help is its text, else its Markdown source. Both are a
 * report's text, shown as text and never rendered: a report can hold any HTML.
 */
export function ruleText(r: RuleInfo | undefined): RuleText {
  const said = { name: r?.name, description: r?.shortDescription, fullDescription: r?.fullDescription, help: r?.helpText?.trim() ? r.helpText : r?.helpMarkdown, helpUri: r?.helpUri };
  return Object.fromEntries(Object.entries(said).filter(([, v]) => v !== undefined && v.trim() !== ''));
}

const rank = (s: string) => severities.indexOf(s as (typeof severities)[number]) + 1 || severities.length + 1;

/**
 * Rule groups from counts per tool, rule and severity (the catalog counts them in SQL for a page;
 * groupByRule counts a list). `deployedIn`: per `tool\0rule`, the workloads whose running version
 * carries one of its findings. Most severe rule first, then the one with most findings.
 */
export function rulesFromCounts(counts: readonly RuleSeverityCount[], deployedIn: ReadonlyMap<string, readonly string[]> = new Map()): RuleGroup[] {
  const by = new Map<string, RuleGroup>();
  // Most severe first, so a group's example and severity are its most severe findings'.
  for (const c of [...counts].sort((a, b) => rank(a.severity) - rank(b.severity))) {
    const key = `${c.tool}\0${c.ruleId}`;
    const g = by.get(key) ?? { ruleId: c.ruleId, tool: c.tool, count: 0, severity: c.severity, bySeverity: {}, cwes: [], example: c.example, deployedIn: [...(deployedIn.get(key) ?? [])] };
    by.set(key, g);
    g.count += c.count;
    g.bySeverity[c.severity] = (g.bySeverity[c.severity] ?? 0) + c.count;
    for (const w of c.cwes) if (!g.cwes.includes(w)) g.cwes.push(w);
  }
  return [...by.values()].sort((a, b) => rank(a.severity) - rank(b.severity) || b.count - a.count || a.ruleId.localeCompare(b.ruleId));
}

/** The same for a list of findings (in the list's order: its first finding of a severity gives the example). */
export function groupByRule(views: readonly FindingView[]): RuleGroup[] {
  const counts = new Map<string, RuleSeverityCount>();
  const deployedIn = new Map<string, string[]>();
  for (const f of views) {
    const key = `${f.tool}\0${f.ruleId}\0${f.severity}`;
    const c = counts.get(key) ?? { tool: f.tool, ruleId: f.ruleId, severity: f.severity, count: 0, example: f.message, cwes: [] };
    counts.set(key, c);
    c.count++;
    for (const w of f.cwes) if (!c.cwes.includes(w)) c.cwes.push(w);
    const rule = `${f.tool}\0${f.ruleId}`;
    for (const w of f.deployedIn) if (!deployedIn.get(rule)?.includes(w)) deployedIn.set(rule, [...(deployedIn.get(rule) ?? []), w]);
  }
  return rulesFromCounts([...counts.values()], deployedIn);
}

/**
 * A scanner's help URL as a link, only when it is http(s): a SARIF file is uploaded by anyone
 * holding a CI token, and a javascript: or data: URL in it must not become a link a reviewer clicks.
 */
export const helpLink = (uri: string | undefined): string | undefined => {
  if (!uri) return undefined;
  try {
    const u = new URL(uri.trim());
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
};

/** A CWE's page at MITRE, for an id the catalog stored as "CWE-79". */
export const cweLink = (cwe: string): string | undefined => {
  const m = /^CWE-(\d+)$/i.exec(cwe.trim());
  return m ? `https://cwe.mitre.org/data/definitions/${m[1]}.html` : undefined;
};

export interface HistoryEvent {
  time: string;
  what: 'first seen' | 'fixed' | 'reopened' | 'dismissed' | 'suppressed';
  commit?: string | undefined;
  detail: string;
}

/**
 * The finding's life from the complete scans of its stream: first seen, fixed (the first scan
 * after a sighting that no longer reports it), reopened (reported again after a fix), and the
 * dismissal with who made it (the audit log). Failed or partial scans prove nothing and are skipped.
 */
export function findingHistory(sightings: readonly Sighting[], dismissal?: { time: string; actor: string; reason: string; comment?: string | undefined }): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  let present = false;
  let ever = false;
  let suppressed = false;
  for (const s of sightings) {
    if (s.status !== 'complete') continue;
    if (s.seen && !present) {
      out.push({ time: s.scanTime, what: ever ? 'reopened' : 'first seen', commit: s.commit, detail: `scan ${s.scanId}${s.toolVersion ? ` (tool ${s.toolVersion})` : ''}` });
      present = true;
      ever = true;
    } else if (!s.seen && present) {
      out.push({ time: s.scanTime, what: 'fixed', commit: s.commit, detail: `scan ${s.scanId} no longer reports it` });
      present = false;
    }
    if (s.seen && s.suppressed && !suppressed) out.push({ time: s.scanTime, what: 'suppressed', commit: s.commit, detail: `suppressed in the source (scan ${s.scanId})` });
    suppressed = s.seen && s.suppressed;
  }
  if (dismissal)
    out.push({ time: dismissal.time, what: 'dismissed', detail: `by ${dismissal.actor}: ${dismissal.reason}${dismissal.comment ? ` — ${dismissal.comment}` : ''}` });
  return out.sort((a, b) => a.time.localeCompare(b.time));
}

/** The commits whose complete scans reported the finding, oldest first. */
export function versionsCarrying(sightings: readonly Sighting[]): string[] {
  const out: string[] = [];
  for (const s of sightings) if (s.seen && !s.suppressed && s.status === 'complete' && !out.includes(s.commit)) out.push(s.commit);
  return out;
}
