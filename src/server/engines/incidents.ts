/**
 * Incidents in the control plane (`cp.incidents`): the journal of src/playbook read for the API and
 * the dashboard, approvals and aborts run in this process, and the trigger that turns a SARIF
 * upload's new findings into proposals (a planned run awaiting approval) and alerts.
 *
 * Terms (see src/playbook/index.ts): a proposal is an incident row with status `proposed`, nothing
 * run; approving it runs the playbook here, in the background — the HTTP request returns as soon
 * as the journal says `running`. A run in this process carries this process's pid as its runner,
 * which "is that pid alive" cannot tell from a crashed run of a previous server with the same pid,
 * so runs started here are also tracked in memory (`runningHere`).
 *
 * The interface `ServerIncidents` is what the dashboard calls; keep its names stable.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { conflict, isHoldfastError } from '../../base/errors.js';
import type { Logger } from '../../base/log.js';
import type { Catalog } from '../../catalog/index.js';
import { IncidentStore, type IncidentRow, type IncidentStepRow } from '../../catalog/incidents.js';
import type { LoadedConfig } from '../../config/index.js';
import type { Clock } from '../../platform/clock.js';
import { alive } from '../../platform/local/service.js';
import { abortIncident, explainPlan, loadPlaybook, planIncident, resumeIncident, type AbortReport, type IncidentParams, type IncidentPlan, type RunnerDeps } from '../../playbook/index.js';
import type { Severity } from '../../sast/index.js';
import type { Alerter } from '../alerts/alerter.js';
import { decideApprove, type AutoRunPolicy } from './incident-decisions.js';
import { proposeForUpload, withdrawResolved, type TriggerDeps, type UploadIncidents } from './incident-trigger.js';

export type { UploadIncidents } from './incident-trigger.js';

/** A journal row as the API shows it. */
export interface IncidentSummary extends IncidentRow {
  /** `running` in the journal but its process is gone: resume (approve) or abort it. */
  interrupted: boolean;
  /** Being run (or aborted) by this server process now. */
  runningHere: boolean;
}

export interface IncidentDetail {
  incident: IncidentSummary;
  steps: IncidentStepRow[];
  /** For a proposed incident: the plan as it would run now, in words (explainPlan), or why it cannot. */
  plan?: { text: string; plan: IncidentPlan } | { error: string; code: string } | undefined;
  /** The report files the report step wrote, when it has. */
  report?: { markdown?: string | undefined; html?: string | undefined } | undefined;
}

/** What the routes and the dashboard use. Every method that names an incident throws INCIDENT_NOT_FOUND (404) for an unknown id. */
export interface ServerIncidents {
  /** Newest first. */
  list(o?: { limit?: number }): IncidentSummary[];
  /** Undefined for an unknown id (the route answers 404). */
  get(id: string): IncidentDetail | undefined;
  /** Plans the incident's params now (read only). Throws the plan's refusal (e.g. INCIDENT_NO_CLEAN_RESTORE_POINT, 409). */
  plan(id: string): { plan: IncidentPlan; text: string };
  /**
   * Runs a proposed incident (or continues a failed or interrupted one) in this process, in the
   * background; resolves with the row once the journal says `running`. Throws INCIDENT_RUNNING,
   * INCIDENT_ACTIVE or INCIDENT_FINISHED (409) when it must not run now.
   */
  approve(id: string, actor: string): Promise<IncidentSummary>;
  /** Undoes what can be undone (src/playbook abortIncident), in the request. Throws INCIDENT_RUNNING (409) while it runs or is being aborted. */
  abort(id: string, actor: string): Promise<AbortReport>;
  /** The report file the report step wrote, if it exists. */
  reportPath(id: string, format?: 'html' | 'md'): string | undefined;
  /** The running (or interrupted) incident on a volume, if any: scheduled jobs of that volume skip while there is one. */
  runningOn(volume: string): IncidentSummary | undefined;
  /** Resolves when no run started here is in progress (tests, shutdown). */
  idle(): Promise<void>;
}

export interface IncidentEngineDeps {
  loaded: LoadedConfig;
  catalog: Catalog;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  log: Logger;
  alerter: Pick<Alerter, 'fire'>;
  /** Read when findings arrive, so a reloaded config applies: threshold = sast.blockAt, and incidents.autoRun. */
  policy: () => { threshold: Severity; autoRun: AutoRunPolicy };
}

export class IncidentEngine implements ServerIncidents {
  private readonly here = new Map<string, Promise<void>>();
  readonly store: IncidentStore;
  constructor(private readonly d: IncidentEngineDeps) {
    this.store = new IncidentStore(d.catalog.db, () => d.clock.now());
  }

  /** What the playbook runner needs, from the control plane's own parts. */
  runnerDeps(): RunnerDeps {
    const log = this.d.log;
    return { loaded: this.d.loaded, catalog: this.d.catalog, clock: this.d.clock, env: this.d.env, log: (line) => log.info(line) };
  }

  private summary(r: IncidentRow): IncidentSummary {
    const runningHere = this.here.has(r.id);
    const interrupted = r.status === 'running' && !runningHere && !(r.runnerPid !== undefined && r.runnerPid !== process.pid && alive(r.runnerPid));
    return { ...r, interrupted, runningHere };
  }

  private require(id: string): IncidentRow {
    return this.store.require(id);
  }

  list(o: { limit?: number } = {}): IncidentSummary[] {
    return this.store.list(o.limit ?? 100).map((r) => this.summary(r));
  }

  get(id: string): IncidentDetail | undefined {
    const row = this.store.get(id);
    if (!row) return undefined;
    let plan: IncidentDetail['plan'];
    if (row.status === 'proposed') {
      try {
        plan = this.plan(id);
      } catch (e) {
        if (!isHoldfastError(e)) throw e;
        plan = { error: e.message, code: e.code };
      }
    }
    const md = this.reportPath(id, 'md');
    const html = this.reportPath(id, 'html');
    return { incident: this.summary(row), steps: this.store.steps(id), plan, report: md || html ? { markdown: md, html } : undefined };
  }

  plan(id: string): { plan: IncidentPlan; text: string } {
    const row = this.require(id);
    const source = String(row.params.playbookSource ?? row.playbook);
    const { plan } = planIncident(this.d.loaded, this.d.catalog, row.params as unknown as IncidentParams, loadPlaybook(source));
    return { plan, text: explainPlan(plan) };
  }

  async approve(id: string, actor: string): Promise<IncidentSummary> {
    const row = this.require(id);
    const other = this.store.active(row.volume);
    const d = decideApprove({
      incident: row,
      runningHere: this.here.has(id),
      runnerAlive: row.runnerPid !== undefined && row.runnerPid !== process.pid && alive(row.runnerPid),
      otherActive: other,
    });
    if (d.reason === 'finished') throw conflict('INCIDENT_FINISHED', d.message);
    if (d.reason === 'volume-busy') throw conflict('INCIDENT_ACTIVE', d.message);
    if (!d.ok) throw conflict('INCIDENT_RUNNING', d.message);
    // A proposal is planned again first: what held when it was proposed (a clean restore point,
    // the CA, a start command) may not hold now, and a run refused here changes nothing, while one
    // that fails at its first step stays failed on the volume until someone aborts it.
    if (row.status === 'proposed') this.plan(id);
    this.d.catalog.audit.append({ actor, action: 'incident.approved', object: `incident:${id}`, details: { reason: d.reason, from: row.status } });
    this.d.log.info(d.message, { incident: id, actor });
    // resumeIncident marks the row running before its first await: once it returns a promise, the
    // journal says running (or it has already refused, e.g. INCIDENT_ACTIVE from the unique index).
    // test/e2e/incident-serve.test.ts pins this: approve answers `running`, not the finished run.
    const run = resumeIncident(this.runnerDeps(), id);
    const now = this.store.require(id);
    if (now.status !== 'running' || now.runnerPid !== process.pid) {
      await run; // it refused: surface that error
      return this.summary(this.store.require(id));
    }
    const done = run.then(
      (r) => {
        this.d.log.info(`incident ${id}: ${r.status}`, { incident: id });
        withdrawResolved(this.triggerDeps(), r);
      },
      (e: unknown) => {
        const message = e instanceof Error ? e.message : String(e);
        this.d.log.error(message, { incident: id });
        this.d.alerter.fire({ event: 'incident-failed', key: id, severity: 'critical', summary: message, details: { incident: id, volume: row.volume } });
      },
    );
    const tracked = done.finally(() => this.here.delete(id));
    this.here.set(id, tracked);
    return this.summary(now);
  }

  async abort(id: string, actor: string): Promise<AbortReport> {
    this.require(id);
    if (this.here.has(id)) throw conflict('INCIDENT_RUNNING', `abort incident ${id}: it is running now in this server; wait for it to stop`);
    this.d.catalog.audit.append({ actor, action: 'incident.abort-requested', object: `incident:${id}` });
    // Held like a run while its undos run, so an approve meanwhile is a 409, not a run racing the undo.
    const undo = abortIncident(this.runnerDeps(), id);
    this.here.set(id, undo.then(() => undefined, () => undefined).finally(() => this.here.delete(id)));
    return undo;
  }

  reportPath(id: string, format: 'html' | 'md' = 'html'): string | undefined {
    if (!/^[A-Za-z0-9-]+$/.test(id)) return undefined; // never a path outside the incidents directory
    const file = join(this.d.loaded.resolvePath(this.d.loaded.config.server.dataDir), 'incidents', id, format === 'md' ? 'report.md' : 'report.html');
    return existsSync(file) ? file : undefined;
  }

  runningOn(volume: string): IncidentSummary | undefined {
    const r = this.store.active(volume);
    return r?.status === 'running' ? this.summary(r) : undefined;
  }

  /** The trigger, for a SARIF upload's new findings (incident-trigger.ts): proposals, refusals, their alerts, auto-run approvals. */
  onNewFindings(findingIds: readonly string[]): Promise<UploadIncidents> {
    return proposeForUpload(this.triggerDeps(), findingIds);
  }

  private triggerDeps(): TriggerDeps {
    return { runner: this.runnerDeps(), store: this.store, alerter: this.d.alerter, log: this.d.log, policy: this.d.policy(), approve: (id, actor) => this.approve(id, actor) };
  }

  async idle(): Promise<void> {
    while (this.here.size > 0) await Promise.all([...this.here.values()]);
  }
}
