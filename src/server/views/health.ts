/**
 * Read models for the API, the dashboard, the metrics and the review report: one place computes
 * "how is each volume, certificate and finding doing", so all four always agree.
 */
import { decideRenewal, decideSla, decideVerification, overdueCutoffs } from '../../policy/schedule-health.js';
import { FindingPages } from '../../catalog/finding-page.js';
import { severities } from '../../sast/severity.js';
import type { FindingRow } from '../../catalog/sast-store.js';
import type { RestorePointSignals, RestorePointSuspicion } from '../../catalog/index.js';
import type { HoldfastConfig } from '../../config/index.js';
import { readWrittenCert } from '../scheduler/certificate-job.js';
import type { ReadDeps } from './deps.js';
import { versionVerdict, type VerdictDeps, type VersionVerdict } from './verdict.js';

export interface RestorePointView {
  snapshotId: string;
  time: string;
  repository: string;
  tags: string[];
  workloads: {
    workload: string;
    commit?: string | undefined;
    imageDigest?: string | undefined;
    verdict: VersionVerdict['verdict'];
    highest?: string | undefined;
  }[];
  verification:
    { result: string; time: string; restoreMs: number; bytes: number; message: string } | undefined;
  /** What the backup measured against its parent (ransomware signals); absent for older snapshots. */
  signals?: RestorePointSignals | undefined;
  /** The judgement of those signals: suspicious points are skipped by the restore-point choice. */
  suspicion?: RestorePointSuspicion | undefined;
  /** Who cleared a suspicious point as a false positive, and why: it is then a candidate again. */
  cleared?: { actor: string; reason: string; at: string } | undefined;
}

export interface VolumeView {
  name: string;
  path: string;
  policies: string[];
  workloads: string[];
  lastBackup:
    | {
        status: string;
        time: string;
        message?: string | undefined;
        bytes?: number | undefined;
        durationMs?: number | undefined;
      }
    | undefined;
  lastSuccess: string | undefined;
  verification: {
    state: string;
    message: string;
    lastPassed?: string | undefined;
    lastRestoreMs?: number | undefined;
  };
  restorePoints: RestorePointView[];
}

export type VolumeViewDeps = VerdictDeps &
  Pick<ReadDeps, 'runs' | 'startedAt' | 'resolvePath' | 'workloadsOf'> & {
    config: Pick<HoldfastConfig, 'volumes' | 'backupPolicies'>;
    evidence: Pick<ReadDeps['evidence'], 'verifications'>;
  };

export function volumeViews(cp: VolumeViewDeps, o: { points?: number } = {}): VolumeView[] {
  const now = cp.clock.now();
  return Object.entries(cp.config.volumes).map(([name, v]) => {
    const policies = Object.entries(cp.config.backupPolicies).filter(([, p]) => p.volumes.includes(name));
    // The last backup that was attempted; missed fire times are shown as runs of their own.
    const ok = cp.runs.list({ kind: 'backup', target: name, status: 'succeeded', limit: 1 })[0];
    const failed = cp.runs.list({ kind: 'backup', target: name, status: 'failed', limit: 1 })[0];
    const last = [ok, failed]
      .filter((r) => r !== undefined)
      .sort((a, b) => b.scheduledFor.getTime() - a.scheduledFor.getTime() || b.id - a.id)[0];
    const verifs = cp.evidence.verifications({ volume: name, limit: 200 });
    const staleAfter = Math.min(...policies.map(([, p]) => p.verify?.staleAfter ?? Infinity));
    const points = cp.catalog.restorePoints.list({ volume: name });
    const since = points[0]?.time ?? cp.startedAt;
    const lastPassed = verifs.find((x) => x.result === 'passed');
    const vd = Number.isFinite(staleAfter)
      ? decideVerification({
          lastPassed: lastPassed?.time,
          lastResult: verifs[0]?.result,
          since,
          now,
          staleAfter,
        })
      : { reason: 'NotConfigured', message: 'no verification schedule' };
    const verdicts = new Map<string, VersionVerdict>();
    const verdictOf = (c: string) => verdicts.get(c) ?? verdicts.set(c, versionVerdict(cp, c)).get(c)!;
    const restorePoints = points
      .slice()
      .reverse()
      .slice(0, o.points ?? 50)
      .map((p) => {
        const ev = verifs.find((x) => x.snapshotId === p.snapshotId);
        return {
          snapshotId: p.snapshotId,
          time: p.time.toISOString(),
          repository: p.repository,
          tags: p.tags,
          workloads: p.provenance.workloads.map((w) => {
            const vv = w.commit ? verdictOf(w.commit) : undefined;
            return {
              workload: w.workload,
              commit: w.commit,
              imageDigest: w.imageDigest,
              verdict: vv?.verdict ?? 'unscanned',
              highest: vv?.highest,
            };
          }),
          verification: ev
            ? {
                result: ev.result,
                time: ev.time.toISOString(),
                restoreMs: ev.restoreMs,
                bytes: ev.bytes,
                message: ev.message,
              }
            : undefined,
          ...(p.signals ? { signals: p.signals } : {}),
          ...(p.suspicion ? { suspicion: p.suspicion } : {}),
          ...(p.review ? { cleared: { actor: p.review.actor, reason: p.review.reason, at: p.review.at.toISOString() } } : {}),
        };
      });
    return {
      name,
      path: cp.resolvePath(v.path),
      policies: policies.map(([n]) => n),
      workloads: cp.workloadsOf(name),
      lastBackup: last
        ? {
            status: last.status,
            time: (last.finishedAt ?? last.scheduledFor).toISOString(),
            message: last.message,
            bytes: last.bytes,
            durationMs: last.durationMs,
          }
        : undefined,
      lastSuccess: ok?.finishedAt?.toISOString(),
      verification: {
        state: vd.reason,
        message: vd.message,
        lastPassed: lastPassed?.time.toISOString(),
        lastRestoreMs: lastPassed?.restoreMs,
      },
      restorePoints,
    };
  });
}

export interface CertificateView {
  name: string;
  commonName: string;
  endpoint: string | undefined;
  written: { notAfter: string; fingerprint256: string; serial: string } | undefined;
  served:
    | {
        notAfter?: string | undefined;
        fingerprint256?: string | undefined;
        error?: string | undefined;
        time: string;
      }
    | undefined;
  servedMatchesWritten: boolean | undefined;
  state: string;
  message: string;
  lastRenewal: string | undefined;
}

/** What the certificate view reads. */
export type CertificateViewDeps = Pick<ReadDeps, 'clock' | 'resolvePath' | 'served'> & {
  config: Pick<HoldfastConfig, 'certificates'>;
  evidence: Pick<ReadDeps['evidence'], 'certificateEvents'>;
};

export async function certificateViews(cp: CertificateViewDeps): Promise<CertificateView[]> {
  const out: CertificateView[] = [];
  for (const [name, c] of Object.entries(cp.config.certificates)) {
    const w = await readWrittenCert(cp.resolvePath(c.certFile));
    const s = cp.served.get(name);
    const d = decideRenewal({ notAfter: w?.notAfter, now: cp.clock.now(), renewBefore: c.renewBefore });
    const renewal = cp.evidence.certificateEvents({ name, limit: 20 }).find((e) => e.action !== 'probed');
    // An endpoint that does not answer serves nothing: it does not match (the metric says 0, not nothing).
    const matches = w && s ? s.fingerprint256 === w.fingerprint256 : undefined;
    const state = s?.error && d.reason === 'Valid' ? 'NotServed' : matches === false && d.reason === 'Valid' ? 'ServedMismatch' : d.reason;
    out.push({
      name,
      commonName: c.commonName,
      endpoint: c.endpoint,
      written: w
        ? { notAfter: w.notAfter.toISOString(), fingerprint256: w.fingerprint256, serial: w.serial }
        : undefined,
      served: s
        ? {
            notAfter: s.notAfter?.toISOString(),
            fingerprint256: s.fingerprint256,
            error: s.error,
            time: s.time.toISOString(),
          }
        : undefined,
      servedMatchesWritten: matches,
      state,
      message: s?.error
        ? `endpoint ${c.endpoint} serves nothing (${s.error}); ${d.message}`
        : matches === false
          ? `endpoint serves a different certificate than the one written; ${d.message}`
          : d.message,
      lastRenewal: renewal?.time.toISOString(),
    });
  }
  return out;
}

export interface FindingView {
  id: string;
  repository: string;
  severity: string;
  state: string;
  ruleId: string;
  tool: string;
  cwes: string[];
  message: string;
  path: string | undefined;
  startLine: number | undefined;
  firstSeenAt: string;
  firstSeenCommit: string;
  lastSeenAt: string;
  lastSeenCommit: string;
  fixedAt: string | undefined;
  dismissedAt: string | undefined;
  sla: string;
  dueAt: string | undefined;
  deployedIn: string[];
}

/** What the finding views read: the verdicts of the running versions, and the SLAs. */
export type FindingViewDeps = VerdictDeps;

export function findingViews(
  cp: FindingViewDeps,
  filter: { states?: string[] | undefined; severities?: string[] | undefined; tool?: string | undefined } = { states: ['open'] },
): FindingView[] {
  const deployed = deployedFindings(cp);
  const views = cp.catalog.sast.listFindings(filter).map((f) => findingView(cp, f, deployed));
  // Most severe first; within a severity, the oldest (closest to its SLA) first.
  return views.sort(
    (a, b) => rank(b.severity) - rank(a.severity) || a.firstSeenAt.localeCompare(b.firstSeenAt),
  );
}

/** Open findings and those past their SLA, per severity (every known severity present, 0 when none). */
export interface FindingCounts {
  open: Record<string, number>;
  overdue: Record<string, number>;
}

/** The counts the overview and the metrics show, counted in SQL: at 200k findings reading each took ~20 s. */
export function findingCounts(cp: Pick<ReadDeps, 'catalog' | 'clock'> & { config: Pick<HoldfastConfig, 'sast'> }): FindingCounts {
  const zero = () => Object.fromEntries(severities.map((s) => [s, 0]));
  const out: FindingCounts = { open: zero(), overdue: zero() };
  for (const r of new FindingPages(cp.catalog.db).openBySeverity(overdueCutoffs(cp.config.sast.sla, cp.clock.now()))) {
    out.open[r.severity] = r.open;
    out.overdue[r.severity] = r.overdue;
  }
  return out;
}

/** Finding id → the workloads whose running version carries it. */
export function deployedFindings(cp: VerdictDeps): Map<string, string[]> {
  const live = cp.catalog.deployments.timeline().filter((d) => !d.endedAt);
  const deployedIn = new Map<string, string[]>();
  for (const d of live)
    for (const f of versionVerdict(cp, d.commit).findings)
      deployedIn.set(f.id, [...(deployedIn.get(f.id) ?? []), d.workload]);
  return deployedIn;
}

export function findingView(cp: Pick<ReadDeps, 'clock'> & { config: Pick<HoldfastConfig, 'sast'> }, f: FindingRow, deployedIn: ReadonlyMap<string, string[]>): FindingView {
  const sla = decideSla({ state: f.state, severity: f.severity, firstSeenAt: new Date(f.firstSeenAt), now: cp.clock.now(), sla: cp.config.sast.sla });
  return {
    id: f.id,
    repository: f.repository,
    severity: f.severity,
    state: f.state,
    ruleId: f.ruleId,
    tool: f.tool,
    cwes: f.cwes,
    message: f.message,
    path: f.path,
    startLine: f.startLine,
    firstSeenAt: f.firstSeenAt,
    firstSeenCommit: f.firstSeenCommit,
    lastSeenAt: f.lastSeenAt,
    lastSeenCommit: f.lastSeenCommit,
    fixedAt: f.fixedAt,
    dismissedAt: f.dismissedAt,
    sla: sla.reason,
    dueAt: sla.dueAt?.toISOString(),
    deployedIn: deployedIn.get(f.id) ?? [],
  };
}

const rank = (s: string) => ['info', 'low', 'medium', 'high', 'critical'].indexOf(s);
