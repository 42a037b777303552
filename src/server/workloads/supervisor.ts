/**
 * Supervision of one workload serve runs: it starts (or adopts) the process, watches it every
 * `pollMs`, calls it ready only once its readiness check passes — and, once ready, runs the check
 * again every `recheckMs`: a process that lives but no longer answers is `unready` (down) after a
 * few failures in a row, and ready again when it answers —, restarts it by its policy with a
 * backoff when it ends, and says so — in its status (API, /readyz, metrics), in the log and as a
 * `workload-down` alert. The pid file (platform/local/service.ts) stays the truth: an incident,
 * here or from the CLI, stops and restarts the same process, so a process gone while an incident
 * holds its volume is `held`, not restarted, and a new pid in the file is adopted.
 *
 * A deploy (or a restart asked for) is planned: `deploy()` stops the process and starts it again —
 * on the new version when one is given — as `deploying`, which is neither an outage nor an alert,
 * until the readiness check passes. Its new process ending, or not getting ready within the ready
 * timeout, is a failure like any other.
 *
 * States and decisions are in decide.ts; this file is the I/O around them.
 */
import type { Logger } from '../../base/log.js';
import type { Clock } from '../../platform/clock.js';
import type { ExecResult } from '../../platform/local/exec.js';
import { conflict } from '../../base/errors.js';
import type { LocalService, ServiceExit, ServiceVersion, StartedService } from '../../platform/local/service.js';
import type { AlertInput } from '../alerts/alerter.js';
import { afterRecheck, decideRestart, describeExit, failuresInARow, isUp, type ExitFacts, type RestartPolicy, type WorkloadState } from './decide.js';
import { probeReady, type ReadinessCheck } from './readiness.js';

export interface WorkloadStatus {
  name: string;
  state: WorkloadState;
  up: boolean;
  pid: number | undefined;
  /** When it entered this state. */
  since: string;
  message: string;
  /** What "ready" means for it. */
  check: string;
  /** Whether it has a readiness check beyond "its process runs". */
  checked: boolean;
  /** Restarts by this serve since it started. */
  restarts: number;
  lastExit: { code: number | null; signal: string | null; at: string; message: string } | undefined;
  nextRestartAt: string | undefined;
  /** The deploy or restart asked through serve that started the running process, with its version (none once a process started elsewhere — an incident's — is adopted). */
  lastDeploy: { at: string; version: ServiceVersion | undefined } | undefined;
}

export interface SupervisorDeps {
  name: string;
  service: Pick<LocalService, 'pid' | 'start' | 'stop' | 'reload' | 'spec' | 'startedVersion'>;
  check: ReadinessCheck;
  /** A start not ready after this long is reported as a problem (it keeps being checked). */
  readyTimeoutMs: number;
  restart: RestartPolicy;
  /** Why an incident keeps this workload down now, if one does. */
  heldBy(): string | undefined;
  alert(a: AlertInput): void;
  log: Logger;
  clock: Clock;
  pollMs?: number | undefined;
  /** How often a ready workload's check runs again (default 5 s). */
  recheckMs?: number | undefined;
}

/** A workload ready this long before it ended ran fine: its next restart gets the first backoff again. */
const STABLE_MS = 60_000;
/** Failed re-checks in a row that make a ready workload unready: 3, as Kubernetes' failureThreshold. */
const UNREADY_AFTER = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class WorkloadSupervisor {
  private state: WorkloadState = 'stopped';
  private since: Date;
  private message = 'not started yet';
  private pid: number | undefined;
  private exited: Promise<ServiceExit> | undefined;
  private readySince: Date | undefined;
  private outageSince: Date | undefined;
  private failures = 0;
  private restarts = 0;
  private lastExit: WorkloadStatus['lastExit'];
  private nextRestartAt: Date | undefined;
  private slowReported = false;
  private checkedAt = 0;
  private failedChecks = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private started = false;
  private inflight: Promise<void> | undefined;
  /** A deploy's stop-and-start in progress: supervision leaves the process alone meanwhile. */
  private switching: Promise<unknown> | undefined;
  private lastDeploy: WorkloadStatus['lastDeploy'];

  constructor(private readonly d: SupervisorDeps) {
    this.since = d.clock.now();
  }

  get name(): string {
    return this.d.name;
  }

  status(): WorkloadStatus {
    return {
      name: this.d.name,
      state: this.state,
      up: isUp(this.state),
      pid: this.pid,
      since: this.since.toISOString(),
      message: this.message,
      check: this.d.check.what,
      checked: this.d.check.kind !== 'process',
      restarts: this.restarts,
      lastExit: this.lastExit,
      nextRestartAt: this.nextRestartAt?.toISOString(),
      lastDeploy: this.lastDeploy,
    };
  }

  private set(state: WorkloadState, message: string): void {
    if (state !== this.state) this.since = this.d.clock.now();
    this.state = state;
    this.message = message;
  }

  /** Starts it (or adopts the process in its pid file) unless an incident holds it, then watches it. */
  async start(): Promise<void> {
    this.running = true;
    this.started = true;
    if (!this.d.service.spec.start) {
      this.set('external', `no start command: Holdfast only reloads it; ready when ${this.d.check.what}`);
    } else {
      const held = this.d.heldBy();
      if (held && !(await this.d.service.pid())) {
        this.d.log.warn(held);
        this.set('held', held);
      } else await this.launch(undefined);
    }
    this.timer = setInterval(() => void this.tick(), this.d.pollMs ?? 500);
    this.timer.unref();
    await this.tick();
  }

  /** Stops watching (no restart from here on); the process keeps running until stop(). */
  halt(): void {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops watching, then stops the process — only one this serve started or adopted. */
  async stop(): Promise<void> {
    this.halt();
    await this.inflight;
    await this.switching?.catch(() => undefined);
    if (!this.started) return;
    await this.d.service.stop();
    this.pid = undefined;
    this.set('stopped', 'stopped with serve');
  }

  /**
   * Resolves true once the workload is up, false when it is not within `timeoutMs` or is down
   * on purpose or for good (held, exited, stopped) — nothing would come of waiting.
   */
  async whenReady(timeoutMs: number): Promise<boolean> {
    const settled = () => isUp(this.state) || ['external', 'held', 'exited', 'stopped'].includes(this.state);
    for (const end = Date.now() + timeoutMs; !settled() && Date.now() < end; ) await sleep(100);
    return isUp(this.state) || this.state === 'external';
  }

  /** Runs its reload command; only while it is up (or external). */
  async reload(): Promise<ExecResult | undefined> {
    if (this.state === 'external') return this.d.service.reload();
    if (!isUp(this.state)) return undefined;
    this.set('reloading', 'reload command running');
    try {
      return await this.d.service.reload();
    } finally {
      if (this.state === 'reloading') this.set('ready', `ready: ${this.d.check.what}`);
    }
  }

  /**
   * A planned restart: stops the process and starts it again, on `version` when given, else on
   * the version it was started with. `beforeStart` runs between the two (the control plane
   * records the deploy there, so backups from the new process on are attributed to it). Resolves
   * with the status once it is ready, or once it is clear it will not be (ended, or not ready
   * within the ready timeout: then it is `starting`, down, as any slow start).
   */
  async deploy(o: { version?: ServiceVersion | undefined; why: string; beforeStart?: () => void }): Promise<WorkloadStatus> {
    const name = this.d.name;
    if (!this.running) throw conflict('WORKLOAD_NOT_RUNNING', `deploy workload ${name}: serve does not supervise it (not started yet, or stopping)`);
    if (!this.d.service.spec.start) throw conflict('WORKLOAD_EXTERNAL', `deploy workload ${name}: it has no start command, so Holdfast cannot restart it`);
    const held = this.d.heldBy();
    if (held) throw conflict('WORKLOAD_HELD', `deploy workload ${name}: ${held}`);
    if (this.switching) throw conflict('WORKLOAD_DEPLOYING', `deploy workload ${name}: a deploy or restart of it is already in progress`);
    const switching = this.switchTo(o);
    this.switching = switching;
    try {
      await switching;
    } finally {
      this.switching = undefined;
    }
    const deadline = Date.now() + this.d.readyTimeoutMs + 1000;
    while (this.state === 'deploying' && this.running && Date.now() < deadline) await sleep(100);
    return this.status();
  }

  private async switchTo(o: { version?: ServiceVersion | undefined; why: string; beforeStart?: () => void }): Promise<void> {
    const from = this.pid;
    this.set('deploying', `${o.why}: stopping process ${from ?? '(none running)'}`);
    // A supervision step already under way finishes first; the next ones see `deploying` and wait.
    await this.inflight;
    this.set('deploying', `${o.why}: stopping process ${from ?? '(none running)'}`);
    this.d.log.info(`workload ${this.d.name}: ${o.why}: stopping process ${from ?? '(none running)'} (planned: no alert)`);
    const stopped = await this.d.service.stop();
    this.pid = undefined;
    this.exited = undefined;
    this.readySince = undefined;
    this.outageSince = undefined;
    this.nextRestartAt = undefined;
    this.failures = 0;
    this.failedChecks = 0;
    const version = o.version ?? (await this.d.service.startedVersion());
    o.beforeStart?.();
    this.lastDeploy = { at: this.d.clock.now().toISOString(), version };
    this.d.log.info(`workload ${this.d.name}: ${o.why}: ${stopped.how}; starting it${version?.commit ? ` on commit ${version.commit}` : ''}`);
    await this.launch(version, 'deploying');
  }

  /** Starts it, on `version` when given (a restart passes the one the ended process was started with: an incident's known-good one, say). */
  private async launch(version: ServiceVersion | undefined, as: 'starting' | 'deploying' = 'starting'): Promise<void> {
    let r: StartedService | undefined;
    try {
      r = await this.d.service.start(version);
    } catch (e) {
      await this.ended({ code: null, signal: null, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    if (!r) return;
    this.pid = r.pid;
    this.exited = r.exited;
    this.slowReported = false;
    this.d.log.info(`workload ${this.d.name}: ${r.adopted ? 'adopted running' : 'started'} process ${r.pid}; waiting until ${this.d.check.what}`);
    this.set(as, `process ${r.pid} ${r.adopted ? 'adopted' : 'started'}; not ready until ${this.d.check.what}`);
  }

  private adopt(pid: number): void {
    this.pid = pid;
    this.exited = undefined;
    this.slowReported = false;
    this.nextRestartAt = undefined;
    this.lastDeploy = undefined;
    this.d.log.info(`workload ${this.d.name}: process ${pid} started elsewhere (an incident); adopted, waiting until ${this.d.check.what}`);
    this.set('starting', `process ${pid} adopted; not ready until ${this.d.check.what}`);
  }

  private tick(): Promise<void> {
    if (!this.running || this.inflight) return this.inflight ?? Promise.resolve();
    this.inflight = this.step()
      .catch((e: unknown) => this.d.log.error(`workload ${this.d.name}: supervision: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async step(): Promise<void> {
    const s = this.state;
    if (s === 'stopped' || this.switching) return;
    if (s === 'external' || s === 'down') {
      if (this.d.check.kind === 'process') return;
      const p = await this.probe();
      if (p.ok && s === 'down') this.set('external', `ready: ${p.detail}`);
      if (!p.ok && s === 'external') this.set('down', `not ready: ${p.detail}`);
      return;
    }
    const pid = await this.d.service.pid();
    if (s === 'starting' || s === 'deploying' || s === 'ready' || s === 'reloading' || s === 'unready') {
      if (!pid) return this.ended(await this.exitOf());
      if (pid !== this.pid) return this.adopt(pid);
      if (s === 'ready' || s === 'unready') return this.recheck(s, pid);
      if (s !== 'starting' && s !== 'deploying') return;
      const p = await this.probe();
      if (!this.running || this.state !== s) return;
      if (p.ok) {
        const now = this.d.clock.now();
        const after = Math.round((now.getTime() - this.since.getTime()) / 100) / 10;
        this.d.log.info(`workload ${this.d.name}: ready (process ${pid}, ${after}s after ${s === 'deploying' ? 'its deploy' : 'start'}): ${p.detail}`);
        this.readySince = now;
        this.outageSince = undefined;
        this.checkedAt = now.getTime();
        this.failedChecks = 0;
        this.set('ready', `ready: ${p.detail}`);
      } else if (this.d.clock.now().getTime() - this.since.getTime() > this.d.readyTimeoutMs) {
        const message = `not ready ${Math.round(this.d.readyTimeoutMs / 1000)}s after ${s === 'deploying' ? 'its deploy' : 'start'}: ${p.detail}`;
        if (!this.slowReported) this.d.log.warn(`workload ${this.d.name}: ${message}`);
        this.slowReported = true;
        // A deploy that does not get ready is no longer a planned pause: it is down, as a slow start.
        if (s === 'deploying') this.set('starting', message);
        else this.message = message;
      } else this.message = `process ${pid} runs; not ready yet: ${p.detail}`;
      return;
    }
    // restarting, exited, held: a process in the pid file was started by someone else (an incident).
    if (pid) return this.adopt(pid);
    if (s === 'held' && !this.d.heldBy()) {
      this.d.log.info(`workload ${this.d.name}: no incident holds it any more: starting it`);
      return this.launch(await this.d.service.startedVersion());
    }
    if (s === 'restarting' && this.nextRestartAt && this.d.clock.now() >= this.nextRestartAt) {
      const held = this.d.heldBy();
      if (held) return this.set('held', held);
      this.restarts++;
      this.nextRestartAt = undefined;
      return this.launch(await this.d.service.startedVersion());
    }
  }

  /** A ready (or unready) workload's check, run again every `recheckMs`. */
  private async recheck(s: 'ready' | 'unready', pid: number): Promise<void> {
    const now = this.d.clock.now();
    if (now.getTime() - this.checkedAt < (this.d.recheckMs ?? 5000)) return;
    this.checkedAt = now.getTime();
    const p = await this.probe();
    if (!this.running || this.state !== s) return;
    const next = afterRecheck({ state: s, failures: this.failedChecks, ok: p.ok, threshold: UNREADY_AFTER });
    this.failedChecks = next.failures;
    if (next.state === 'unready' && s === 'ready') {
      const message = `workload ${this.d.name}: not ready any more though process ${pid} runs (${next.failures} failed checks in a row): ${p.detail}`;
      this.readySince = undefined;
      this.outageSince ??= now;
      this.d.log.error(message, { workload: this.d.name, pid });
      this.d.alert({
        event: 'workload-down',
        key: `${this.d.name}:${this.outageSince.toISOString()}`,
        severity: 'critical',
        summary: message,
        details: { workload: this.d.name, pid, failedChecks: next.failures },
      });
      this.set('unready', message);
    } else if (next.state === 'unready') this.message = `process ${pid} runs but is not ready (${next.failures} failed checks in a row): ${p.detail}`;
    else if (s === 'unready') {
      this.d.log.info(`workload ${this.d.name}: ready again (process ${pid}): ${p.detail}`);
      this.readySince = now;
      this.outageSince = undefined;
      this.set('ready', `ready: ${p.detail}`);
    }
  }

  private probe() {
    return probeReady(this.d.check, { cwd: this.d.service.spec.cwd, env: this.d.service.spec.env, clock: this.d.clock });
  }

  /** How the process ended: heard from the child when this serve started it, else unknown. */
  private async exitOf(): Promise<ExitFacts> {
    const heard = this.exited;
    if (!heard) return { code: null, signal: null };
    // The kernel may report it gone (a zombie) a moment before Node reaps it and emits 'exit'.
    const late = new Promise<ExitFacts>((r) => setTimeout(() => r({ code: null, signal: null }), 2000).unref());
    return Promise.race([heard, late]);
  }

  private async ended(exit: ExitFacts): Promise<void> {
    const now = this.d.clock.now();
    const pid = this.pid;
    this.failures = failuresInARow(this.failures, this.readySince, now, STABLE_MS);
    this.readySince = undefined;
    this.pid = undefined;
    this.exited = undefined;
    const d = decideRestart({ workload: this.d.name, exit, restart: this.d.restart, failures: this.failures, heldBy: this.d.heldBy() });
    const message = d.message;
    this.lastExit = { code: exit.code, signal: exit.signal, at: now.toISOString(), message: describeExit(exit) };
    if (d.reason === 'Held') {
      this.d.log.info(message);
      this.set('held', message);
      return;
    }
    this.outageSince ??= now;
    this.d.log.error(message, { workload: this.d.name, pid, code: exit.code, signal: exit.signal });
    this.d.alert({
      event: 'workload-down',
      // One alert per outage: a crash loop that never gets ready again is one condition.
      key: `${this.d.name}:${this.outageSince.toISOString()}`,
      severity: 'critical',
      summary: message,
      details: { workload: this.d.name, pid, code: exit.code, signal: exit.signal, failuresInARow: this.failures },
    });
    if (d.reason === 'Restart') {
      this.nextRestartAt = new Date(now.getTime() + d.delayMs);
      this.set('restarting', message);
    } else this.set('exited', message);
  }
}
