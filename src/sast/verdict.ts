/**
 * A version's verdict for a vulnerability target:
 * - vulnerable: a deciding scan of the version saw an open (not dismissed, not suppressed) finding
 *   that matches the target (a given finding, or any at or above a severity);
 * - clean: at least one complete scan of the version decides, and none saw a match;
 * - unknown: no complete scan of the version (none at all, or only failed / result-less ones).
 * Deciding scans, per (ref, tool, category): the newest complete scan, and any failed or unknown
 * scans after it (a failed run's partial results still prove a finding present, never absent).
 * For a single finding, only scans of that finding's stream (ref, tool, category) decide.
 */
import type { Catalog, FindingRow, ScanRow } from '../catalog/index.js';
import { atLeast, isSeverity, type Severity } from './severity.js';

export type VerdictKind = 'clean' | 'vulnerable' | 'unknown';
export type VerdictTarget = { severity: Severity } | { findingId: string };

export interface ScanEvidence {
  scan: Pick<ScanRow, 'id' | 'ref' | 'tool' | 'category' | 'status' | 'scanTime'>;
  findings: (Pick<FindingRow, 'id' | 'severity' | 'state' | 'ruleId' | 'path' | 'message'> & { suppressedInScan: boolean })[];
}

export interface Verdict {
  verdict: VerdictKind;
  reason: 'open-finding' | 'no-open-finding' | 'no-scan' | 'no-complete-scan';
  message: string;
  scans: ScanEvidence['scan'][];
  findings: ScanEvidence['findings'];
}

export function describeTarget(t: VerdictTarget): string {
  return 'severity' in t ? `findings at or above ${t.severity}` : `finding ${t.findingId}`;
}

/** Pure: decides from the scans of one version. `stream` narrows to one finding's stream. */
export function decideVerdict(evidence: readonly ScanEvidence[], target: VerdictTarget, stream?: { ref: string; tool: string; category: string }): Verdict {
  const relevant = stream ? evidence.filter((e) => e.scan.ref === stream.ref && e.scan.tool === stream.tool && e.scan.category === stream.category) : [...evidence];
  const groups = new Map<string, ScanEvidence[]>();
  for (const e of relevant) {
    const k = [e.scan.ref, e.scan.tool, e.scan.category].join('\u0000');
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  const deciding: ScanEvidence[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => a.scan.scanTime.getTime() - b.scan.scanTime.getTime() || a.scan.id - b.scan.id);
    const lastComplete = g.map((e) => e.scan.status).lastIndexOf('complete');
    deciding.push(...g.slice(Math.max(lastComplete, 0)));
  }
  const matches = (f: ScanEvidence['findings'][number]) =>
    !f.suppressedInScan && f.state !== 'dismissed' && ('findingId' in target ? f.id === target.findingId : isSeverity(f.severity) && atLeast(f.severity, target.severity));
  const found = new Map<string, ScanEvidence['findings'][number]>();
  for (const e of deciding) for (const f of e.findings) if (matches(f) && !found.has(f.id)) found.set(f.id, f);
  const scans = deciding.map((e) => e.scan);
  const what = describeTarget(target);
  if (found.size > 0) {
    const list = [...found.values()];
    const first = list[0]!;
    return {
      verdict: 'vulnerable',
      reason: 'open-finding',
      message: `${list.length} open ${what.replace(/^findings /, 'finding(s) ')}: ${first.id} ${first.severity} ${first.ruleId}${first.path ? ' in ' + first.path : ''}${list.length > 1 ? ', ...' : ''}`,
      scans,
      findings: list,
    };
  }
  if (relevant.length === 0) return { verdict: 'unknown', reason: 'no-scan', message: stream ? `no scan by ${stream.tool} (${stream.category}) on ${stream.ref}` : 'no scan', scans, findings: [] };
  if (!deciding.some((e) => e.scan.status === 'complete')) {
    return { verdict: 'unknown', reason: 'no-complete-scan', message: `no successful scan: ${relevant.length} scan(s), none complete (failed or without results)`, scans, findings: [] };
  }
  const tools = [...new Set(deciding.filter((e) => e.scan.status === 'complete').map((e) => e.scan.tool))].join(', ');
  return { verdict: 'clean', reason: 'no-open-finding', message: `no open ${what.replace(/^findings /, 'finding ')} in the complete scan(s) by ${tools}`, scans, findings: [] };
}

/** Reads a version's scans from the catalog and decides. */
export function versionVerdict(catalog: Catalog, versionId: number, target: VerdictTarget): Verdict {
  let stream: { ref: string; tool: string; category: string } | undefined;
  if ('findingId' in target) {
    const f = catalog.sast.getFinding(target.findingId);
    if (f) stream = { ref: f.ref, tool: f.tool, category: f.category };
  }
  return decideVerdict(versionEvidence(catalog, versionId), target, stream);
}

/** What the verdicts of a version are decided from: its scans, each with the findings it saw. Read once to decide several targets. */
export function versionEvidence(catalog: Catalog, versionId: number): ScanEvidence[] {
  return catalog.sast.scansOfVersion(versionId).map((scan) => ({ scan, findings: catalog.sast.findingsOfScan(scan.id) }));
}
