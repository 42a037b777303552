/**
 * Whether Holdfast is fine, and if not why: the overview's status and its reasons, decided from
 * plain facts so a table test covers each rule. The page and /api/v1/overview show the same
 * reasons; each names what to look at (a link into the dashboard) so "degraded" is never a
 * riddle.
 *
 * Degraded whenever something a person must act on stands: a deployed version carries a finding
 * at or above the policy threshold (sast.blockAt), an incident was refused (no plan could be made)
 * or failed, a workload that should serve does not, a backup or verification failed, a certificate
 * is not valid as served, a finding is past its SLA, or a proposal waits for approval.
 */
import { atLeast, isSeverity, type Severity } from '../../sast/severity.js';

export type ReasonKind =
  | 'deployed-finding'
  | 'incident-refused'
  | 'incident-failed'
  | 'incident-proposed'
  | 'workload-down'
  | 'backup-failed'
  | 'verification'
  | 'certificate'
  | 'sla-overdue';

export interface Reason {
  kind: ReasonKind;
  message: string;
  /** The dashboard page that shows it. */
  link: string;
}

export interface DeployedVersion {
  workload: string;
  commit: string;
  /** The open findings the version's scans saw (dismissed and suppressed ones are not here). */
  findings: { id: string; severity: string; ruleId: string }[];
}

export interface RefusedProposal {
  time: string;
  volume: string;
  findingId: string;
  message: string;
}

export interface IncidentFact {
  id: string;
  volume: string;
  status: string;
  interrupted: boolean;
  message: string | undefined;
  createdAt: string;
}

export interface OverviewFacts {
  threshold: Severity;
  deployed: DeployedVersion[];
  refusals: RefusedProposal[];
  /** Lifecycle state of the findings the refusals name (absent: gone from the catalog). */
  findingState: (id: string) => string | undefined;
  incidents: IncidentFact[];
  workloadsDown: { name: string; message: string }[];
  volumes: { name: string; lastBackup?: { status: string; message?: string | undefined } | undefined; verification: { state: string; message: string } }[];
  certificates: { name: string; state: string; message: string }[];
  overdueFindings: number;
}

const ui = (kind: string, id: string) => `/ui/${kind}/${encodeURIComponent(id)}`;

/**
 * A refusal stands until it is moot: its finding is no longer open (fixed or dismissed), or an
 * incident on its volume was created after it (a later proposal or run answers the same threat,
 * and is judged on its own).
 */
export function refusalStands(r: RefusedProposal, findingState: string | undefined, incidents: readonly IncidentFact[]): boolean {
  if (findingState !== 'open') return false;
  return !incidents.some((i) => i.volume === r.volume && i.createdAt > r.time);
}

/** The findings at or above the threshold (a severity this build does not know counts as below). */
export const atOrAbove = <T extends { severity: string }>(findings: readonly T[], threshold: Severity): T[] =>
  findings.filter((x) => isSeverity(x.severity) && atLeast(x.severity, threshold));

export function decideOverview(f: OverviewFacts): { status: 'ok' | 'degraded'; reasons: Reason[] } {
  const reasons: Reason[] = [];
  const add = (kind: ReasonKind, message: string, link: string) => reasons.push({ kind, message, link });
  for (const d of f.deployed) {
    const bad = atOrAbove(d.findings, f.threshold);
    if (bad.length === 0) continue;
    const rules = [...new Set(bad.map((x) => `${x.severity} ${x.ruleId}`))];
    add(
      'deployed-finding',
      `workload ${d.workload} runs version ${d.commit.slice(0, 12)}, which carries ${bad.length} finding(s) at or above ${f.threshold}: ${rules.slice(0, 5).join(', ')}${rules.length > 5 ? ', …' : ''}`,
      bad.length === 1 ? ui('findings', bad[0]!.id) : `/ui/findings?version=${encodeURIComponent(d.commit)}&severity=${f.threshold}`,
    );
  }
  // Only the newest refusal per (volume, finding): an upload repeated five times is one problem.
  const seen = new Set<string>();
  for (const r of [...f.refusals].sort((a, b) => b.time.localeCompare(a.time))) {
    const key = `${r.volume}\0${r.findingId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (refusalStands(r, f.findingState(r.findingId), f.incidents))
      add('incident-refused', `no incident could be planned for volume ${r.volume} (finding ${r.findingId}) at ${r.time}: ${r.message}`, ui('findings', r.findingId));
  }
  for (const i of f.incidents) {
    if (i.status === 'proposed') add('incident-proposed', `incident ${i.id} on volume ${i.volume} awaits approval: ${i.message ?? ''}`, ui('incidents', i.id));
    else if (i.status === 'failed' || (i.status === 'running' && i.interrupted))
      add('incident-failed', `incident ${i.id} on volume ${i.volume} ${i.interrupted ? 'was interrupted' : 'failed'}: resume (approve) or abort it${i.message ? ` — ${i.message}` : ''}`, ui('incidents', i.id));
  }
  for (const w of f.workloadsDown) add('workload-down', w.message, '/ui#workloads');
  for (const v of f.volumes) {
    if (v.lastBackup && v.lastBackup.status !== 'succeeded')
      add('backup-failed', `volume ${v.name}: last backup ${v.lastBackup.status}: ${v.lastBackup.message ?? ''}`, ui('volumes', v.name));
    if (['Failed', 'Stale', 'NeverVerified'].includes(v.verification.state))
      add('verification', `volume ${v.name}: verification ${v.verification.state}: ${v.verification.message}`, ui('volumes', v.name));
  }
  for (const c of f.certificates)
    if (c.state !== 'Valid') add('certificate', `certificate ${c.name}: ${c.state}: ${c.message}`, `/ui/certificates#${encodeURIComponent(c.name)}`);
  if (f.overdueFindings) add('sla-overdue', `${f.overdueFindings} open finding(s) past their SLA`, '/ui/findings?sla=Overdue');
  return { status: reasons.length ? 'degraded' : 'ok', reasons };
}
