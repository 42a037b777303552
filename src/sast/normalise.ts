/**
 * One SARIF run as Holdfast sees it: tool, category, whether it ran (status), and its failing
 * results with severity, CWEs, repository-relative path and a line-shift-proof identity.
 * Results whose kind is not "fail" (SARIF's default) are not findings and are counted, not kept.
 */
import type { RuleInfo } from '../catalog/index.js';
import { cwesOf } from './cwe.js';
import { identitiesOf, type IdentityBasis, type IdentityInput } from './identity.js';
import { messageOf } from './message.js';
import { PathResolver, stripCommonRoot } from './paths.js';
import { quickResultCheck } from './quick-check.js';
import { severityReader, type SeveritySource } from './result-severity.js';
import type { SeverityPolicy } from './severity-policy.js';
import { ruleResolver } from './rules.js';
import type { SourceLines } from './source-lines.js';
import { resultSchema, tolerantParse, type SarifRule, type SarifRun } from './sarif-schema.js';
import type { Severity } from './severity.js';

export type RunStatus = 'complete' | 'failed' | 'unknown';

export interface NormalisedResult {
  ruleId: string;
  path: string | undefined;
  startLine: number | undefined;
  severity: Severity;
  severitySource: SeveritySource;
  /** What each source said, the decider first (severity-said.ts): kept beside the severity. */
  severitySaid: string;
  cwes: string[];
  message: string;
  identity: string;
  identityBasis: IdentityBasis;
  /** For matching against the previous scan when the identity finds nothing (match.ts). */
  match: string | undefined;
  suppressed: boolean;
}

export interface NormalisedRun {
  index: number;
  tool: string;
  toolVersion: string | undefined;
  /** From automationDetails.id ("category/run-id" -> "category"), when the run names one. */
  category: string | undefined;
  status: RunStatus;
  statusReason: string;
  results: NormalisedResult[];
  notFailures: number;
  unreadable: number;
  startTime: string | undefined;
  provenance: { repositoryUri?: string | undefined; revisionId?: string | undefined; branch?: string | undefined }[];
  /** How the tool describes the rules its findings are of, by the findings' rule id. */
  rules: RuleDescription[];
  warnings: string[];
}

/** A rule as the scanner described it: the catalog's row without the tool, which the run gives. */
export type RuleDescription = Omit<RuleInfo, 'tool'>;

function describe(ruleId: string, r: SarifRule): RuleDescription {
  return { ruleId, name: r.name, shortDescription: r.shortDescription?.text, fullDescription: r.fullDescription?.text, helpText: r.help?.text, helpMarkdown: r.help?.markdown, helpUri: r.helpUri };
}

export function categoryOf(automationId: string | undefined): string | undefined {
  if (!automationId) return undefined;
  const i = automationId.lastIndexOf('/');
  const c = i < 0 ? automationId : automationId.slice(0, i);
  return c === '' ? undefined : c;
}

/**
 * One field identities need of a run's results beyond their normalised fields, a column rather
 * than a member of each result: kept only until the identities are computed (they need the whole
 * report), then dropped, so a 200k-result report does not hold its snippets through the catalog
 * writes. No array at all while no result has the field (most scanners write two or three of
 * the five).
 */
class Column<T> {
  private values: (T | undefined)[] | undefined;
  private missing = 0;

  push(v: T | undefined): void {
    if (this.values) this.values.push(v);
    else if (v === undefined) this.missing++;
    else {
      this.values = [];
      for (let i = 0; i < this.missing; i++) this.values.push(undefined);
      this.values.push(v);
    }
  }

  at(i: number): T | undefined {
    return this.values?.[i];
  }

  *[Symbol.iterator](): Iterator<T | undefined> {
    if (this.values) yield* this.values;
  }
}

interface IdentityColumns {
  lineHash: Column<string>;
  logical: Column<string>;
  snippet: Column<string>;
  context: Column<string>;
  column: Column<number>;
}

/** A run read result by result: its results normalised but for their identities (and paths not yet stripped). */
export interface ReadRun extends NormalisedRun {
  ids: IdentityColumns;
}

export function normaliseRun(run: SarifRun, index: number, sourceRoots: readonly string[], repeatedHashes?: ReadonlySet<string>, source?: SourceLines, policy?: SeverityPolicy): NormalisedRun {
  return finishRun(readRun(run, index, sourceRoots, policy), repeatedHashes, source);
}

/** Reads each result once, as the report's results are parsed one by one (parse.ts). */
export function readRun(run: SarifRun, index: number, sourceRoots: readonly string[], policy: SeverityPolicy = 'strictest'): ReadRun {
  const warnings: string[] = [];
  const where = `runs[${index}]`;
  const tool = run.tool.driver.name;
  const failedInvocation = (run.invocations ?? []).some((i) => i.executionSuccessful === false);
  const resultsAbsent = run.results === undefined || run.results === null;
  const paths = new PathResolver(run, sourceRoots, warnings);
  // One line per kind of broken reference, not one per result: a report can repeat it 100k times.
  const refWarnings = new Map<string, number>();
  const findRule = ruleResolver(run, (w) => {
    const kind = w.replace(/^[^:]*: /, '').replace(/\d+/g, '#');
    const n = (refWarnings.get(kind) ?? 0) + 1;
    refWarnings.set(kind, n);
    if (n <= 3) warnings.push(w);
    else if (n === 4) warnings.push(`${where}: more results like that (${kind}); not listed`);
  });
  // Results of one rule mostly carry the same CWEs: one array for them all.
  const cweArrays = new Map<string, string[]>();
  const severityOf = severityReader(policy);
  const ruleIds = new Map<string, string>();

  const results: NormalisedResult[] = [];
  const ids: IdentityColumns = { lineHash: new Column(), logical: new Column(), snippet: new Column(), context: new Column(), column: new Column() };
  const rules = new Map<string, RuleDescription>();
  let notFailures = 0;
  let unreadable = 0;
  let i = -1;
  for (const raw of run.results ?? []) {
    i++;
    const res = quickResultCheck(raw) ? raw : tolerantParse(resultSchema, raw, `${where}.results[${i}]`, warnings);
    if (!res) {
      unreadable++;
      continue;
    }
    if ((res.kind ?? 'fail') !== 'fail') {
      notFailures++;
      continue;
    }
    const rule = findRule(res, `${where}.results[${i}]`);
    const parsedId = res.ruleId ?? res.rule?.id ?? rule.rule?.id ?? 'unknown-rule';
    // One string per rule, not one per result: each result's parse made its own copy.
    let ruleId = ruleIds.get(parsedId);
    if (ruleId === undefined) ruleIds.set(parsedId, (ruleId = parsedId));
    if (rule.rule && !rules.has(ruleId)) rules.set(ruleId, describe(ruleId, rule.rule));
    const loc = res.locations?.[0];
    const region = loc?.physicalLocation?.region;
    let logical = loc?.logicalLocations?.[0];
    if (logical && logical.index !== undefined && !logical.fullyQualifiedName && !logical.name) logical = run.logicalLocations?.[logical.index];
    const sev = severityOf(res, rule.rule, rule);
    const cwes = cwesOf(res, rule.rule, run);
    const cweKey = cwes.join(',');
    let shared = cweArrays.get(cweKey);
    if (!shared) cweArrays.set(cweKey, (shared = cwes));
    results.push({
      ruleId,
      path: paths.resolve(loc?.physicalLocation?.artifactLocation),
      startLine: region?.startLine,
      severity: sev.severity,
      severitySource: sev.source,
      severitySaid: sev.said,
      cwes: shared,
      message: messageOf(res, rule.rule, ruleId),
      identity: '',
      identityBasis: 'message',
      match: undefined,
      suppressed: isSuppressed(res.suppressions),
    });
    ids.lineHash.push(res.partialFingerprints?.primaryLocationLineHash);
    ids.logical.push(logical?.fullyQualifiedName ?? logical?.name);
    ids.snippet.push(region?.snippet?.text);
    ids.context.push(loc?.physicalLocation?.contextRegion?.snippet?.text);
    ids.column.push(region?.startColumn);
  }

  let status: RunStatus = 'complete';
  let statusReason = 'the tool ran and reported its results';
  if (failedInvocation) {
    status = 'failed';
    statusReason = 'the tool reported executionSuccessful: false';
  } else if (resultsAbsent) {
    status = 'unknown';
    statusReason = 'the run has no results array, so what it found is unknown';
  } else if (unreadable > 0) {
    status = 'unknown';
    statusReason = `${unreadable} result(s) could not be read, so the run cannot prove anything fixed`;
  }
  return {
    index,
    tool,
    toolVersion: run.tool.driver.semanticVersion ?? run.tool.driver.version,
    category: categoryOf(run.automationDetails?.id),
    status,
    statusReason,
    results,
    ids,
    notFailures,
    unreadable,
    startTime: run.invocations?.[0]?.endTimeUtc ?? run.invocations?.[0]?.startTimeUtc,
    provenance: run.versionControlProvenance ?? [],
    rules: [...rules.values()],
    warnings,
  };
}

/**
 * Paths made repository-relative across the run, then identities, written into the run's results.
 * `repeatedHashes`: line hashes that occur more than once anywhere in the report; `source` reads
 * the checkout's lines.
 */
export function finishRun(r: ReadRun, repeatedHashes?: ReadonlySet<string>, source?: SourceLines): NormalisedRun {
  const { ids: cols, ...run } = r;
  const { results } = run;
  const warnings = [...run.warnings];
  const fixedPaths = stripCommonRoot(results.map((k) => k.path), warnings);
  results.forEach((k, i) => (k.path = fixedPaths[i]));
  const input = (i: number): IdentityInput => {
    const k = results[i]!;
    return {
      tool: run.tool,
      ruleId: k.ruleId,
      path: k.path,
      lineHash: cols.lineHash.at(i),
      logical: cols.logical.at(i),
      snippet: cols.snippet.at(i),
      context: cols.context.at(i),
      sourceLine: source && k.path && k.startLine ? source(k.path, k.startLine) : undefined,
      message: k.message,
      line: k.startLine,
      column: cols.column.at(i),
    };
  };
  const ids = identitiesOf(results.length, input, repeatedHashes ?? repeatedLineHashes([r]));
  results.forEach((k, i) => {
    k.identity = ids[i]!.identity;
    k.identityBasis = ids[i]!.basis;
    k.match = ids[i]!.match;
  });
  return { ...run, warnings };
}

/** primaryLocationLineHash values that occur more than once in the whole report: not identities. */
export function repeatedLineHashes(runs: readonly ReadRun[]): Set<string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const run of runs) {
    for (const h of run.ids.lineHash) {
      if (h === undefined) continue;
      if (seen.has(h)) repeated.add(h);
      else seen.add(h);
    }
  }
  return repeated;
}

/**
 * SARIF §3.27.23 and §3.35.3: a result is suppressed when it has suppressions and none of them is
 * "underReview" or "rejected" (a suppression without a status is accepted). One still under
 * review is a finding until someone decides.
 */
export function isSuppressed(suppressions: readonly { status?: string | undefined }[] | undefined): boolean {
  return !!suppressions?.length && suppressions.every((s) => s.status === undefined || s.status === 'accepted');
}
