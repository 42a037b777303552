/**
 * Prometheus metrics, computed at scrape time from the catalog and the views (so they survive a
 * restart and always agree with the dashboard). Gauges only: counts of recorded runs are read from
 * the run history rather than incremented in memory. The views are computed once per scrape
 * (`scrape()`), not once per gauge.
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ControlPlane } from './control-plane.js';
import {
  certificateViews,
  findingCounts,
  volumeViews,
  type CertificateView,
  type FindingCounts,
  type VolumeView,
} from './views/health.js';

export function createMetrics(cp: ControlPlane): { registry: Registry; scrape(): Promise<string> } {
  const reg = new Registry();
  let views: { volumes: VolumeView[]; certificates: CertificateView[]; findings: FindingCounts } = {
    volumes: [],
    certificates: [],
    findings: { open: {}, overdue: {} },
  };
  // The process's own metrics keep the standard names every exporter uses (process_*, nodejs_*), so
  // the usual dashboards and alerts apply; a prefix made them holdfast_process_process_*.
  collectDefaultMetrics({ register: reg });
  // Gauges named like counters (promtool check metrics: non-counter metrics should not have a
  // "_total" suffix); their twins by type (nodejs_active_handles{type=…} and so on) say the same.
  for (const n of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) reg.removeSingleMetric(n);
  const g = (name: string, help: string, labelNames: string[], collect: (gauge: Gauge) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [reg],
      collect() {
        this.reset();
        collect(this);
      },
    });
  const secs = (d: Date | string | undefined) => (d ? new Date(d).getTime() / 1000 : undefined);

  const backupJobs = () =>
    Object.entries(cp.config.backupPolicies).flatMap(([policy, p]) =>
      p.volumes.map((volume) => ({ policy, volume })),
    );
  g(
    'holdfast_backup_last_success_timestamp_seconds',
    'End of the newest successful backup, per policy and volume.',
    ['policy', 'volume'],
    (m) => {
      for (const j of backupJobs()) {
        const r = cp.runs.lastSucceeded('backup', j.policy, j.volume);
        const t = secs(r?.finishedAt);
        if (t !== undefined) m.set(j, t);
      }
    },
  );
  g(
    'holdfast_backup_last_duration_seconds',
    'Duration of the newest finished backup.',
    ['policy', 'volume', 'status'],
    (m) => {
      for (const j of backupJobs()) {
        const r = cp.runs
          .list({ kind: 'backup', policy: j.policy, target: j.volume, limit: 10 })
          .find((x) => x.status === 'succeeded' || x.status === 'failed');
        if (r?.durationMs !== undefined) m.set({ ...j, status: r.status }, r.durationMs / 1000);
      }
    },
  );
  g('holdfast_backup_last_bytes', 'Bytes in the newest successful backup.', ['policy', 'volume'], (m) => {
    for (const j of backupJobs()) {
      const r = cp.runs.lastSucceeded('backup', j.policy, j.volume);
      if (r?.bytes !== undefined) m.set(j, r.bytes);
    }
  });
  g(
    'holdfast_backup_last_run_failed',
    '1 when the newest finished backup failed, else 0.',
    ['policy', 'volume'],
    (m) => {
      for (const j of backupJobs()) {
        const r = cp.runs
          .list({ kind: 'backup', policy: j.policy, target: j.volume, limit: 10 })
          .find((x) => x.status === 'succeeded' || x.status === 'failed');
        m.set(j, r?.status === 'failed' ? 1 : 0);
      }
    },
  );
  g(
    'holdfast_runs_recorded',
    'Runs in the run history by kind, job and status (failed and missed included).',
    ['kind', 'policy', 'target', 'status'],
    (m) => {
      for (const j of cp.scheduler.list()) {
        const c = cp.runs.counts(j.kind, j.policy, j.target);
        for (const [status, n] of Object.entries(c))
          m.set({ kind: j.kind, policy: j.policy, target: j.target, status }, n);
      }
    },
  );
  g(
    'holdfast_verification_ok',
    '1 when the newest verified restore of the volume passed, 0 when it failed (absent: never verified).',
    ['volume'],
    (m) => {
      for (const volume of Object.keys(cp.config.volumes)) {
        const v = cp.evidence.verifications({ volume, limit: 1 })[0];
        if (v) m.set({ volume }, v.result === 'passed' ? 1 : 0);
      }
    },
  );
  g(
    'holdfast_verification_age_seconds',
    'Seconds since the newest passed verified restore of the volume.',
    ['volume'],
    (m) => {
      const now = cp.d.clock.now().getTime();
      for (const v of views.volumes)
        if (v.verification.lastPassed)
          m.set({ volume: v.name }, (now - new Date(v.verification.lastPassed).getTime()) / 1000);
    },
  );
  g(
    'holdfast_verification_restore_seconds',
    'Measured restore time (RTO) of the newest passed verification.',
    ['volume'],
    (m) => {
      for (const v of views.volumes)
        if (v.verification.lastRestoreMs !== undefined)
          m.set({ volume: v.name }, v.verification.lastRestoreMs / 1000);
    },
  );
  g(
    'holdfast_certificate_expiry_timestamp_seconds',
    'notAfter of the certificate, as written on disk and as served by its endpoint.',
    ['certificate', 'source'],
    (m) => {
      for (const c of views.certificates) {
        const w = secs(c.written?.notAfter);
        const s = secs(c.served?.notAfter);
        if (w !== undefined) m.set({ certificate: c.name, source: 'written' }, w);
        if (s !== undefined) m.set({ certificate: c.name, source: 'served' }, s);
      }
    },
  );
  g(
    'holdfast_certificate_served_matches',
    '1 when the endpoint serves the certificate written on disk; 0 when it serves another or does not answer.',
    ['certificate'],
    (m) => {
      for (const c of views.certificates)
        if (c.servedMatchesWritten !== undefined)
          m.set({ certificate: c.name }, c.servedMatchesWritten ? 1 : 0);
    },
  );
  g(
    'holdfast_workload_up',
    '1 while the workload is ready (its readiness check passed), 0 while it starts, restarts, is held by an incident or is down.',
    ['workload'],
    (m) => {
      for (const w of cp.workloads.values()) {
        const s = w.status();
        // An external workload without a readiness check: nothing is known, so no sample.
        if (s.state !== 'external' || s.checked) m.set({ workload: s.name }, s.up || s.state === 'external' ? 1 : 0);
      }
    },
  );
  g('holdfast_workload_restarts', 'Restarts of the workload by this serve since it started.', ['workload'], (m) => {
    for (const w of cp.workloads.values()) m.set({ workload: w.name }, w.status().restarts);
  });
  const findingsBy = (which: keyof FindingCounts) => (m: Gauge) => {
    for (const s of ['critical', 'high', 'medium', 'low', 'info']) m.set({ severity: s }, views.findings[which][s] ?? 0);
  };
  g('holdfast_findings_open', 'Open SAST findings by severity.', ['severity'], findingsBy('open'));
  g('holdfast_findings_overdue', 'Open SAST findings past their SLA, by severity.', ['severity'], findingsBy('overdue'));
  g('holdfast_alerts_recorded', 'Alerts by event and delivery status.', ['event', 'status'], (m) => {
    const counts = new Map<string, number>();
    for (const a of cp.evidence.alerts({ limit: 100_000 }))
      counts.set(`${a.event}\n${a.status}`, (counts.get(`${a.event}\n${a.status}`) ?? 0) + 1);
    for (const [k, n] of counts) {
      const [event, status] = k.split('\n');
      m.set({ event: event!, status: status! }, n);
    }
  });
  g(
    'holdfast_incidents',
    'Incident playbook runs by volume and status (proposed = awaiting approval; interrupted = running in the journal, its process gone).',
    ['volume', 'status'],
    (m) => {
      const counts = new Map<string, number>();
      for (const i of cp.incidents.list({ limit: 100_000 })) {
        const k = `${i.volume}\n${i.interrupted ? 'interrupted' : i.status}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      for (const [k, n] of counts) {
        const [volume, status] = k.split('\n');
        m.set({ volume: volume!, status: status! }, n);
      }
    },
  );
  return {
    registry: reg,
    async scrape() {
      views = {
        volumes: volumeViews(cp, { points: 0 }),
        certificates: await certificateViews(cp),
        findings: findingCounts(cp),
      };
      return reg.metrics();
    },
  };
}
