/**
 * Conditions that are not a run's outcome but a state of the world, checked every `intervalMs`:
 * verification gone stale, a certificate expiring, the served certificate, a critical finding in
 * a version that is deployed, an incident proposed elsewhere (the CLI) that nobody was alerted
 * about. Each becomes an alert (de-duplicated by the alerter). Run outcomes (failed backup,
 * verification or prune, missed schedule) arrive as scheduler events. The sweep also keeps the
 * CA's CRLs fresh: serve may have a CA (its API certificate's) and no certificate job at all.
 */
import type { Logger } from '../../base/log.js';
import type { EvidenceStore } from '../../catalog/evidence.js';
import type { RunHistory } from '../../catalog/run-history.js';
import { join } from 'node:path';
import type { HoldfastConfig } from '../../config/index.js';
import { decideExpiryAlert, decideVerification } from '../../policy/schedule-health.js';
import type { CertificatePort } from '../ports.js';
import { versionVerdict, type VerdictDeps } from '../views/verdict.js';
import { probeAndRecord, readWrittenCert, type ProbeDeps } from './certificate-job.js';
import type { JobDeps } from './deps.js';
import { alertUnalertedProposals } from './proposal-alerts.js';
import type { SchedulerEvents } from './scheduler.js';

/**
 * What the sweep reads and alerts through: the control plane has all of it and passes itself, but
 * the sweep does not import control-plane.ts, which builds it (scheduler/deps.ts says why).
 */
export type HealthSweepDeps = ProbeDeps &
  VerdictDeps &
  Parameters<typeof alertUnalertedProposals>[0] &
  Pick<JobDeps, 'resolvePath' | 'dataDir'> & {
    d: { log: Pick<Logger, 'error' | 'info'>; certs: Pick<CertificatePort, 'refreshCrls'> };
    config: Pick<HoldfastConfig, 'backupPolicies' | 'certificates' | 'alerts' | 'server'>;
    evidence: Pick<EvidenceStore, 'verifications'>;
    runs: Pick<RunHistory, 'deleteFinishedBefore'>;
    /** When serve started: a volume without restore points is judged from then on. */
    startedAt: Date;
  };

/**
 * Critical findings of one deployed version alerted one by one; the rest in one alert. A version
 * with 20,000 of them (a scanner run on vendored code) sent 20,000 webhooks and held serve's event
 * loop for seconds at every sweep.
 */
const CRITICAL_ALERTS_PER_VERSION = 20;

export class HealthSweep {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  constructor(private readonly cp: HealthSweepDeps) {}

  start(intervalMs = 15_000): void {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  schedulerEvents(): SchedulerEvents {
    const cp = this.cp;
    return {
      missed(job, times, reason) {
        // A certificate check still running (waiting for its workload to come up before reloading
        // it) does what the fire time it overlapped would have done: recorded, not alerted.
        if (job.kind === 'certificate' && reason === 'StillRunning') return;
        cp.alerter.fire({
          event: 'schedule-missed',
          key: `${job.id}:${reason}`,
          severity: 'warning',
          summary: `${job.id}: ${times.length} scheduled run(s) missed (${reason})`,
          details: { job: job.id, reason, missed: times.slice(-20).map((t) => t.toISOString()) },
        });
      },
      failed(job, run) {
        const event =
          job.kind === 'backup'
            ? 'backup-failed'
            : job.kind === 'verify'
              ? 'verification-failed'
              : job.kind === 'prune'
                ? 'prune-failed'
                : undefined;
        if (!event) return;
        cp.alerter.fire({
          event,
          key: `${job.id}:${run.reason ?? 'failed'}`,
          // A failed prune loses no backup: the repository only grows until the next one works.
          severity: event === 'prune-failed' ? 'warning' : 'critical',
          summary: run.message ?? `${job.id} failed`,
          details:
            job.kind === 'prune'
              ? { job: job.id, run: run.id, reason: run.reason, repository: job.target }
              : { job: job.id, run: run.id, reason: run.reason, policy: job.policy, volume: job.target },
        });
      },
    };
  }

  async sweep(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      this.verifications();
      await this.certificates();
      this.findings();
      alertUnalertedProposals(this.cp);
      this.history();
      await this.crls();
    } catch (e) {
      this.cp.d.log.error(`health sweep: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.running = false;
    }
  }

  private verifications(): void {
    const cp = this.cp;
    const now = cp.clock.now();
    for (const [policy, p] of Object.entries(cp.config.backupPolicies)) {
      if (!p.verify) continue;
      for (const volume of p.volumes) {
        const v = cp.evidence.verifications({ volume, limit: 50 });
        const since = cp.catalog.restorePoints.list({ volume })[0]?.time ?? cp.startedAt;
        const d = decideVerification({
          lastPassed: v.find((x) => x.result === 'passed')?.time,
          lastResult: v[0]?.result,
          since,
          now,
          staleAfter: p.verify.staleAfter,
        });
        if (d.reason === 'Stale' || d.reason === 'NeverVerified') {
          cp.alerter.fire({
            event: 'verification-stale',
            key: volume,
            severity: 'warning',
            summary: `volume ${volume}: ${d.message}`,
            details: { volume, policy, reason: d.reason },
          });
        }
      }
    }
  }

  private async certificates(): Promise<void> {
    const cp = this.cp;
    for (const [name, c] of Object.entries(cp.config.certificates)) {
      const written = await readWrittenCert(cp.resolvePath(c.certFile));
      const d = decideExpiryAlert(
        written?.notAfter,
        cp.clock.now(),
        cp.config.alerts.certificateExpiresWithin,
      );
      if (d.reason === 'Expiring' || d.reason === 'Expired') {
        cp.alerter.fire({
          event: 'certificate-expiring',
          key: `${name}:${written?.serial}`,
          severity: d.reason === 'Expired' ? 'critical' : 'warning',
          summary: `certificate ${name}: ${d.message}`,
          details: { certificate: name, serial: written?.serial, notAfter: written?.notAfter?.toISOString() },
        });
      }
      await probeAndRecord(cp, name, c);
    }
  }

  private lastCrlCheck = 0;
  /**
   * Every 10 minutes: re-signs the CA's CRLs that are past half their validity (crl-refresh.ts), so
   * a relying party that checks them never meets one past nextUpdate. Each look takes the CA's lock,
   * which a CLI rotation may hold for minutes, hence not at every sweep; a failed look is retried at
   * the next sweep.
   */
  private async crls(): Promise<void> {
    const now = this.cp.clock.now().getTime();
    if (now - this.lastCrlCheck < 600_000) return;
    for (const path of await this.cp.d.certs.refreshCrls(join(this.cp.dataDir, 'ca'))) this.cp.d.log.info(`refreshed CRL ${path}`);
    this.lastCrlCheck = now;
  }

  private lastHistoryCleanup = 0;
  /** Hourly: the run history keeps `server.historyRetention` (a check every minute is 1440 rows a day). */
  private history(): void {
    const now = this.cp.clock.now().getTime();
    if (now - this.lastHistoryCleanup < 3_600_000) return;
    this.lastHistoryCleanup = now;
    const n = this.cp.runs.deleteFinishedBefore(new Date(now - this.cp.config.server.historyRetention));
    if (n > 0)
      this.cp.d.log.info(
        `run history: forgot ${n} run(s) older than ${Math.round(this.cp.config.server.historyRetention / 86_400_000)}d`,
      );
  }

  private findings(): void {
    const cp = this.cp;
    for (const d of cp.catalog.deployments.timeline()) {
      if (d.endedAt) continue;
      const critical = versionVerdict(cp, d.commit).findings.filter((x) => x.severity === 'critical');
      for (const f of critical.slice(0, CRITICAL_ALERTS_PER_VERSION)) {
        cp.alerter.fire({
          event: 'critical-finding-deployed',
          key: `${f.id}@${d.commit}`,
          severity: 'critical',
          summary: `critical finding ${f.ruleId} in ${d.workload} at ${d.commit.slice(0, 12)}: ${f.message}`,
          details: { workload: d.workload, commit: d.commit, finding: f.id, rule: f.ruleId, path: f.path },
        });
      }
      const more = critical.length - CRITICAL_ALERTS_PER_VERSION;
      if (more <= 0) continue;
      // Keyed by the count: more critical findings in the same version are news, the same ones are not.
      cp.alerter.fire({
        event: 'critical-finding-deployed',
        key: `${more} more@${d.commit}`,
        severity: 'critical',
        summary: `${more} more critical findings in ${d.workload} at ${d.commit.slice(0, 12)}, not alerted one by one: see the findings page for this workload`,
        details: { workload: d.workload, commit: d.commit, more },
      });
    }
  }
}
