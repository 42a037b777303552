/**
 * The control plane of one machine: the loaded config, the catalog, the engines behind their
 * ports, local workloads, the scheduler with its jobs, and the alerter. Routes, metrics and the
 * dashboard read from here; nothing here knows about HTTP.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../base/log.js';
import type { Catalog } from '../catalog/index.js';
import { EvidenceStore } from '../catalog/evidence.js';
import { RunHistory } from '../catalog/run-history.js';
import { readSecret, type LoadedConfig } from '../config/index.js';
import type { Clock } from '../platform/clock.js';
import { LocalService } from '../platform/local/service.js';
import { Alerter } from './alerts/alerter.js';
import type { BackupPort, CertificatePort, RepositoryPort, SastPort } from './ports.js';
import { Scheduler, type Job } from './scheduler/scheduler.js';
import { jobsFor } from './scheduler/jobs.js';
import type { CertificateWait, ServedCertificate } from './scheduler/certificate-job.js';
import { SERVING_CERT_NAME, type ServingCertKeeper } from './serving-cert.js';
import { CaRotations } from './engines/ca-rotation.js';
import { rotationStatus, type RotationStatusView } from './views/rotation.js';
import { HealthSweep } from './scheduler/health-sweep.js';
import { IncidentEngine, type ServerIncidents } from './engines/incidents.js';
import { decideSkip, decideStart } from './engines/incident-decisions.js';
import { readinessOf } from './workloads/readiness.js';
import { WorkloadSupervisor } from './workloads/supervisor.js';

export interface ControlPlaneDeps {
  loaded: LoadedConfig;
  catalog: Catalog;
  clock: Clock;
  log: Logger;
  backup: BackupPort;
  certs: CertificatePort;
  sast: SastPort;
  env?: NodeJS.ProcessEnv;
  /** First backoff of webhook retries (tests make it short). */
  alertBackoffMs?: number;
  /** How often workload supervision looks at each process (default 500 ms). */
  workloadPollMs?: number | undefined;
}

export class ControlPlane {
  readonly runs: RunHistory;
  readonly evidence: EvidenceStore;
  readonly alerter: Alerter;
  readonly scheduler: Scheduler;
  readonly services = new Map<string, LocalService>();
  /** Supervision of each workload (workloads/supervisor.ts): its state, restarts, and the gate for reloads. */
  readonly workloads = new Map<string, WorkloadSupervisor>();
  readonly served = new Map<string, ServedCertificate>();
  /** Certificates whose renewal waits for their clients to learn a new root (bundle-gate.ts). */
  readonly waits = new Map<string, CertificateWait>();
  /** The API's own certificate, when serve serves TLS: its renewal waits show beside the policies'. */
  servingCert: Pick<ServingCertKeeper, 'wait'> | undefined;
  /** CA rotations this serve runs (POST /api/v1/tls/rotate-ca). */
  readonly rotations: CaRotations;
  readonly dataDir: string;
  readonly startedAt: Date;
  /** The catalog and clock at top level: the read models (views/deps.ts) take them by these names. */
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly health: HealthSweep;
  private readonly repos = new Map<string, RepositoryPort[]>();
  private readonly opening = new Map<string, Promise<RepositoryPort>>();
  /**
   * Verdicts by commit, for the read paths (dashboard, metrics, API) that ask for the same few
   * versions on every request. Cleared by every ingest through this process and expired after a
   * few seconds, so a report ingested by another process (holdfast sast ingest) shows up soon.
   */
  readonly verdicts = new Map<string, { at: number; generation: string; value: unknown }>();
  readonly sast: SastPort;
  /** Incident playbooks: the journal, approvals and aborts run in this process, the SARIF trigger (engines/incidents.ts). */
  readonly incidents: ServerIncidents & IncidentEngine;
  ready = false;

  constructor(readonly d: ControlPlaneDeps) {
    const { config } = d.loaded;
    this.dataDir = d.loaded.resolvePath(config.server.dataDir);
    this.rotations = new CaRotations({ caDir: join(this.dataDir, 'ca'), clock: d.clock, log: d.log.child({ part: 'ca-rotation' }) });
    for (const sub of ['scratch', 'logs', 'reports', 'ca'])
      mkdirSync(join(this.dataDir, sub), { recursive: true, mode: 0o700 });
    this.startedAt = d.clock.now();
    this.catalog = d.catalog;
    this.clock = d.clock;
    this.sast = {
      ingest: async (report, o) => {
        try {
          // Read at each upload, so a reloaded config applies to the next report.
          return await d.sast.ingest(report, { ...o, severityPolicy: o.severityPolicy ?? this.config.sast.severityPolicy });
        } finally {
          this.verdicts.clear();
        }
      },
      close: () => d.sast.close(),
    };
    this.runs = new RunHistory(d.catalog.db);
    this.evidence = new EvidenceStore(d.catalog.db);
    this.alerter = new Alerter({
      webhooks: config.alerts.webhooks,
      evidence: this.evidence,
      clock: d.clock,
      log: d.log.child({ part: 'alerts' }),
      backoffMs: d.alertBackoffMs,
    });
    for (const [name, w] of Object.entries(config.workloads)) {
      this.services.set(
        name,
        new LocalService(
          {
            name,
            start: w.start,
            stop: w.stop,
            reload: w.reload,
            cwd: d.loaded.resolvePath(w.cwd ?? '.'),
            env: d.env,
            dataDir: this.dataDir,
          },
          d.clock,
        ),
      );
    }
    this.incidents = new IncidentEngine({
      loaded: d.loaded,
      catalog: d.catalog,
      clock: d.clock,
      env: d.env ?? process.env,
      log: d.log.child({ part: 'incidents' }),
      alerter: this.alerter,
      policy: () => ({ threshold: config.sast.blockAt, autoRun: config.incidents.autoRun }),
    });
    for (const [name, w] of Object.entries(config.workloads))
      this.workloads.set(
        name,
        new WorkloadSupervisor({
          name,
          service: this.services.get(name)!,
          check: readinessOf(name, w, config.certificates),
          readyTimeoutMs: w.ready?.timeout ?? 60_000,
          restart: w.restart,
          heldBy: () => {
            const held = decideStart({ workload: name, volumes: w.volumes, active: this.activeIncidents() });
            return held.start ? undefined : held.message;
          },
          alert: (a) => this.alerter.fire(a),
          log: d.log.child({ part: 'workloads' }),
          clock: d.clock,
          pollMs: d.workloadPollMs,
        }),
      );
    this.health = new HealthSweep(this);
    this.scheduler = new Scheduler({
      runs: this.runs,
      clock: d.clock,
      log: d.log.child({ part: 'scheduler' }),
      slots: (repo) => config.repositories[repo]?.maxConcurrent ?? 1,
      events: this.health.schedulerEvents(),
      skip: (job) => this.skipForIncident(job),
    });
    for (const job of jobsFor(this)) this.scheduler.add(job);
  }

  /** A backup or verification of a volume, or a renewal of a certificate of a workload on it, waits out an incident there. */
  private skipForIncident(job: Job): { skip: boolean; reason: string; message: string } {
    const cert = job.kind === 'certificate' ? this.config.certificates[job.target] : undefined;
    const volumes =
      job.kind === 'backup' || job.kind === 'verify'
        ? [job.target]
        : cert?.workload
          ? (this.config.workloads[cert.workload]?.volumes ?? [])
          : [];
    for (const v of volumes) {
      const inc = this.incidents.runningOn(v);
      if (inc) return decideSkip({ job, incident: inc, runnerAlive: !inc.interrupted });
    }
    return decideSkip({ job, incident: undefined, runnerAlive: false });
  }

  get config() {
    return this.d.loaded.config;
  }

  /** The config file's directory, where backup hooks run (scheduler/deps.ts). */
  get configDir(): string {
    return this.d.loaded.dir;
  }

  /** A config path made absolute (relative to the config file). */
  resolvePath(path: string): string {
    return this.d.loaded.resolvePath(path);
  }

  /**
   * Lends an opened repository to one run. Each concurrent run gets its own instance (the engine's
   * writers are concurrent across instances, each with its own packer), so a pool grows to the
   * repository's maxConcurrent; opened instances are reused, since opening costs a key derivation.
   * The password is read only when an instance is opened; a failed open is not cached.
   */
  async withRepository<T>(name: string, fn: (repo: RepositoryPort) => Promise<T>): Promise<T> {
    const idle = this.repos.get(name) ?? [];
    this.repos.set(name, idle);
    let repo = idle.pop();
    if (!repo) {
      const r = this.config.repositories[name]!;
      const password = await readSecret(
        r.password,
        `repository ${name} password`,
        this.d.loaded.resolvePath,
        this.d.env,
      );
      // Two first runs racing would both try to create it; creation happens under the first open only.
      const first = this.opening.get(name);
      if (first) await first.catch(() => undefined);
      const opening = this.d.backup.open(this.repositoryLocation(name), password, { init: r.init });
      this.opening.set(name, opening);
      repo = await opening;
    }
    try {
      return await fn(repo);
    } finally {
      idle.push(repo);
    }
  }

  repositoryLocation(name: string): string {
    const loc = this.config.repositories[name]!.location;
    return /^[a-z][a-z0-9+]*:/.test(loc) && !loc.startsWith('file:') ? loc : this.d.loaded.resolvePath(loc);
  }

  /** Workloads that declare this volume. */
  workloadsOf(volume: string): string[] {
    return Object.entries(this.config.workloads)
      .filter(([, w]) => w.volumes.includes(volume))
      .map(([n]) => n);
  }

  async start(
    o: {
      intervalMs?: number | undefined;
      healthIntervalMs?: number | undefined;
    } = {},
  ): Promise<void> {
    const active = this.activeIncidents();
    for (const [name, v] of Object.entries(this.config.volumes))
      // Mid-incident a missing volume directory may be the restore's swap in progress: never fill it with an empty one.
      if (v.create && !active.some((a) => a.volume === name)) mkdirSync(this.d.loaded.resolvePath(v.path), { recursive: true });
    // A service cannot serve TLS before its certificate exists: issue missing ones first.
    for (const [name, c] of Object.entries(this.config.certificates)) {
      if (!existsSync(this.d.loaded.resolvePath(c.certFile)))
        await this.scheduler.runNow(`certificate/${name}`);
    }
    // A service already running from its pid file (started by an earlier serve, or restarted by
    // an incident) is adopted, not started twice: from here on this process watches, reloads and stops it.
    for (const w of this.workloads.values()) await w.start();
    this.scheduler.start(o.intervalMs ?? 1000);
    this.health.start(o.healthIntervalMs);
    this.ready = true;
  }

  /** The CA rotation and what each of its gates, and each certificate serve keeps, waits for. */
  async rotationStatus(): Promise<RotationStatusView> {
    const serving = this.servingCert ? { name: SERVING_CERT_NAME, wait: this.servingCert.wait } : undefined;
    return rotationStatus(await this.rotations.view(), this.waits, serving);
  }

  async stop(): Promise<void> {
    this.ready = false;
    await this.rotations.stop();
    // No restarts from here on: whatever ends now ends because we are stopping.
    for (const w of this.workloads.values()) w.halt();
    this.scheduler.stop();
    this.health.stop();
    await Promise.race([
      Promise.all([this.scheduler.idle(), this.alerter.idle()]),
      new Promise((r) => setTimeout(r, 10_000).unref()),
    ]);
    // An incident run here is not cut off mid-restore by stopping its workloads under it (its
    // restart would then start them again after we are gone, an orphan): it finishes first. A
    // kill -9 instead leaves it interrupted in the journal, to resume.
    const running = this.incidents.list().filter((i) => i.runningHere);
    if (running.length)
      this.d.log.info(`waiting for incident ${running.map((i) => i.id).join(', ')} to finish before stopping workloads`);
    await this.incidents.idle();
    // Only workloads this process started or adopted (start() ran): a serve that failed before
    // it started leaves alone whatever runs from the pid files.
    for (const w of this.workloads.values())
      await w.stop().catch((e) => this.d.log.warn(`stop workload ${w.name}: ${e instanceof Error ? e.message : String(e)}`));
  }

  private activeIncidents() {
    return Object.keys(this.config.volumes).flatMap((v) => this.incidents.store.active(v) ?? []);
  }
}
