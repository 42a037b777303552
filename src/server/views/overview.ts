/**
 * The health summary at the top of the dashboard and in /api/v1/overview. It reads through
 * OverviewSource (plain data and small calls), not the control plane: sources.ts builds one from
 * it, and the status and reasons come from decideOverview.
 */
import type { Severity } from '../../sast/severity.js';
import type { RunRow } from '../../catalog/run-history.js';
import { isDown } from '../workloads/decide.js';
import type { WorkloadStatus } from '../workloads/supervisor.js';
import type { CertificateView, FindingCounts, VolumeView } from './health.js';
import { atOrAbove, decideOverview, type DeployedVersion, type IncidentFact, type Reason, type RefusedProposal } from './overview-decide.js';
import { workloadProblems } from './workloads.js';

export interface Overview {
  status: 'ok' | 'degraded';
  /** Why degraded, each with the dashboard page that shows it; `problems` is the same in words. */
  reasons: Reason[];
  problems: string[];
  threshold: Severity;
  volumes: { total: number; backedUp: number; verified: number };
  certificates: { total: number; valid: number };
  findings: { open: Record<string, number>; overdue: number; deployedAtOrAboveThreshold: number };
  /** missed: fire times lost to downtime or a busy slot; skipped: runs held back while an incident ran on their volume. */
  runs: { running: number; failedLast24h: number; missedLast24h: number; skippedLast24h: number };
  /** Each workload's supervision state: up (ready, reloading) or why not. */
  workloads: WorkloadStatus[];
  startedAt: string;
}

export interface OverviewSource {
  now(): Date;
  startedAt: Date;
  threshold: Severity;
  volumes(): VolumeView[];
  certificates(): Promise<CertificateView[]>;
  /** Open findings (and those overdue) per severity. */
  findingCounts(): FindingCounts;
  /** Versions running now, with the open findings their scans saw. */
  deployed(): DeployedVersion[];
  /** Proposals an upload could not make (no plan), newest first. */
  refusals(): RefusedProposal[];
  findingState(id: string): string | undefined;
  incidents(): IncidentFact[];
  workloads(): WorkloadStatus[];
  /** Recent runs, newest first (at least the last day's). */
  runs(): RunRow[];
  running(): number;
}

export async function overview(src: OverviewSource): Promise<Overview> {
  const now = src.now().getTime();
  const vols = src.volumes();
  const certs = await src.certificates();
  const { open, overdue: overdueBySeverity } = src.findingCounts();
  const overdue = Object.values(overdueBySeverity).reduce((a, b) => a + b, 0);
  const workloads = src.workloads();
  const deployed = src.deployed();
  const downLines = workloadProblems(workloads);
  const decided = decideOverview({
    threshold: src.threshold,
    deployed,
    refusals: src.refusals(),
    findingState: (id) => src.findingState(id),
    incidents: src.incidents(),
    workloadsDown: workloads.filter((w) => isDown(w.state)).map((w, i) => ({ name: w.name, message: downLines[i]! })),
    volumes: vols,
    certificates: certs,
    overdueFindings: overdue,
  });
  const deployedBad = new Set(deployed.flatMap((d) => atOrAbove(d.findings, src.threshold).map((f) => f.id)));
  const recent = src.runs().filter((r) => now - (r.finishedAt ?? r.scheduledFor).getTime() < 86_400_000);
  return {
    status: decided.status,
    reasons: decided.reasons,
    problems: decided.reasons.map((r) => r.message),
    threshold: src.threshold,
    volumes: {
      total: vols.length,
      backedUp: vols.filter((v) => v.lastSuccess).length,
      verified: vols.filter((v) => v.verification.state === 'Fresh').length,
    },
    certificates: { total: certs.length, valid: certs.filter((c) => c.state === 'Valid').length },
    findings: { open, overdue, deployedAtOrAboveThreshold: deployedBad.size },
    runs: {
      running: src.running(),
      failedLast24h: recent.filter((r) => r.status === 'failed').length,
      missedLast24h: recent.filter((r) => r.status === 'missed' && r.reason !== 'IncidentActive').length,
      skippedLast24h: recent.filter((r) => r.status === 'missed' && r.reason === 'IncidentActive').length,
    },
    workloads,
    startedAt: src.startedAt.toISOString(),
  };
}
