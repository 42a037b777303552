/** The health summary at the top of the dashboard and in /api/v1/overview. */
import { severities } from '../../sast/severity.js';
import type { ControlPlane } from '../control-plane.js';
import { workloadProblems } from './workloads.js';
import type { WorkloadStatus } from '../workloads/supervisor.js';
import { certificateViews, findingViews, volumeViews } from './health.js';

export interface Overview {
  status: 'ok' | 'degraded';
  problems: string[];
  volumes: { total: number; backedUp: number; verified: number };
  certificates: { total: number; valid: number };
  findings: { open: Record<string, number>; overdue: number };
  /** missed: fire times lost to downtime or a busy slot; skipped: runs held back while an incident ran on their volume. */
  runs: { running: number; failedLast24h: number; missedLast24h: number; skippedLast24h: number };
  /** Each workload's supervision state: up (ready, reloading) or why not. */
  workloads: WorkloadStatus[];
  startedAt: string;
}

export async function overview(cp: ControlPlane): Promise<Overview> {
  const now = cp.d.clock.now().getTime();
  const vols = volumeViews(cp, { points: 1 });
  const certs = await certificateViews(cp);
  const findings = findingViews(cp);
  const problems: string[] = [];
  for (const v of vols) {
    if (v.lastBackup && v.lastBackup.status !== 'succeeded')
      problems.push(`volume ${v.name}: last backup ${v.lastBackup.status}: ${v.lastBackup.message ?? ''}`);
    if (['Failed', 'Stale', 'NeverVerified'].includes(v.verification.state))
      problems.push(`volume ${v.name}: verification ${v.verification.state}: ${v.verification.message}`);
  }
  for (const c of certs)
    if (c.state !== 'Valid') problems.push(`certificate ${c.name}: ${c.state}: ${c.message}`);
  const workloads = [...cp.workloads.values()].map((w) => w.status());
  problems.push(...workloadProblems(workloads));
  const open: Record<string, number> = Object.fromEntries(severities.map((s) => [s, 0]));
  for (const f of findings) open[f.severity] = (open[f.severity] ?? 0) + 1;
  const overdue = findings.filter((f) => f.sla === 'Overdue').length;
  if (overdue) problems.push(`${overdue} open finding(s) past their SLA`);
  const deployedCritical = findings.filter((f) => f.severity === 'critical' && f.deployedIn.length > 0);
  for (const f of deployedCritical)
    problems.push(`critical finding ${f.ruleId} is in the version deployed on ${f.deployedIn.join(', ')}`);
  // An incident waiting for a person (a proposal: a vulnerable version runs) or stuck (failed,
  // interrupted: its volume may be mid-restore and its workloads down) is a problem until handled.
  for (const i of cp.incidents.list({ limit: 1000 })) {
    if (i.status === 'proposed') problems.push(`incident ${i.id} on volume ${i.volume} awaits approval: ${i.message ?? ''}`);
    else if (i.status === 'failed' || i.interrupted)
      problems.push(`incident ${i.id} on volume ${i.volume} ${i.interrupted ? 'was interrupted' : 'failed'}: resume (approve) or abort it${i.message ? ` — ${i.message}` : ''}`);
  }
  const recent = cp.runs
    .list({ limit: 500 })
    .filter((r) => now - (r.finishedAt ?? r.scheduledFor).getTime() < 86_400_000);
  return {
    status: problems.length ? 'degraded' : 'ok',
    problems,
    volumes: {
      total: vols.length,
      backedUp: vols.filter((v) => v.lastSuccess).length,
      verified: vols.filter((v) => v.verification.state === 'Fresh').length,
    },
    certificates: { total: certs.length, valid: certs.filter((c) => c.state === 'Valid').length },
    findings: { open, overdue },
    runs: {
      running: cp.runs.running().length,
      failedLast24h: recent.filter((r) => r.status === 'failed').length,
      missedLast24h: recent.filter((r) => r.status === 'missed' && r.reason !== 'IncidentActive').length,
      skippedLast24h: recent.filter((r) => r.status === 'missed' && r.reason === 'IncidentActive').length,
    },
    workloads,
    startedAt: cp.startedAt.toISOString(),
  };
}
