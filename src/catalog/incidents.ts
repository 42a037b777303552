/**
 * The incident journal (tables from migrations/003-incidents.ts): incident runs and their steps.
 * Only src/playbook writes it; status, dashboards and reports read it. Outputs and progress are
 * small JSON objects chosen by the steps — never secrets.
 */
import type Database from 'better-sqlite3';
import { conflict, errnoCode, notFound } from '../base/errors.js';
import { CatalogRecordLog } from './records.js';

export type IncidentStatus = 'proposed' | 'running' | 'failed' | 'succeeded' | 'aborted';
export type StepStatus = 'pending' | 'started' | 'completed' | 'failed' | 'undone' | 'undo-failed';

export interface IncidentRow {
  id: string;
  playbook: string;
  volume: string;
  status: IncidentStatus;
  configFile: string;
  params: Record<string, unknown>;
  runnerPid: number | undefined;
  message: string | undefined;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | undefined;
}

export interface IncidentStepRow {
  step: string;
  seq: number;
  uses: string;
  status: StepStatus;
  attempts: number;
  startedAt: string | undefined;
  completedAt: string | undefined;
  outputs: Record<string, unknown>;
  progress: Record<string, unknown>;
  error: string | undefined;
}

type Row = Record<string, string | number | null>;
const opt = <T>(v: unknown, f: (x: unknown) => T) => (v === null || v === undefined ? undefined : f(v));
const toIncident = (r: Row): IncidentRow => ({
  id: String(r.id),
  playbook: String(r.playbook),
  volume: String(r.volume),
  status: r.status as IncidentStatus,
  configFile: String(r.config_file),
  params: JSON.parse(String(r.params)) as Record<string, unknown>,
  runnerPid: opt(r.runner_pid, Number),
  message: opt(r.message, String),
  createdAt: String(r.created_at),
  updatedAt: String(r.updated_at),
  finishedAt: opt(r.finished_at, String),
});
const toStep = (r: Row): IncidentStepRow => ({
  step: String(r.step),
  seq: Number(r.seq),
  uses: String(r.uses),
  status: r.status as StepStatus,
  attempts: Number(r.attempts),
  startedAt: opt(r.started_at, String),
  completedAt: opt(r.completed_at, String),
  outputs: JSON.parse(String(r.outputs)) as Record<string, unknown>,
  progress: JSON.parse(String(r.progress)) as Record<string, unknown>,
  error: opt(r.error, String),
});

export class IncidentStore {
  private readonly records: CatalogRecordLog;
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {
    this.records = new CatalogRecordLog(db);
  }

  /**
   * Runs a change to incident `id` and records the incident as it now is (row and steps) for a
   * rebuild, in one transaction: the newest record of an incident is its journal.
   */
  private change(id: string, fn: () => void): void {
    this.db.transaction(() => {
      fn();
      const incident = this.get(id);
      if (incident) this.records.append('incident', this.now(), { incident: { ...incident }, steps: this.steps(id) });
    }).immediate();
  }

  /** Puts an incident back as a record describes it (a rebuild): replaces the row and its steps. */
  restore(incident: IncidentRow, steps: IncidentStepRow[]): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM incident_steps WHERE incident_id = ?').run(incident.id);
      this.db.prepare('DELETE FROM incidents WHERE id = ?').run(incident.id);
      this.db
        .prepare('INSERT INTO incidents (id, playbook, volume, status, config_file, params, runner_pid, message, created_at, updated_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(incident.id, incident.playbook, incident.volume, incident.status, incident.configFile, JSON.stringify(incident.params), incident.runnerPid ?? null, incident.message ?? null, incident.createdAt, incident.updatedAt, incident.finishedAt ?? null);
      const ins = this.db.prepare(
        'INSERT INTO incident_steps (incident_id, step, seq, uses, status, attempts, started_at, completed_at, outputs, progress, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const s of steps)
        ins.run(incident.id, s.step, s.seq, s.uses, s.status, s.attempts, s.startedAt ?? null, s.completedAt ?? null, JSON.stringify(s.outputs), JSON.stringify(s.progress), s.error ?? null);
    })();
  }

  /**
   * Creates a run with its steps (all pending). Refused with INCIDENT_ACTIVE when the volume
   * already has a running or failed run: the unique index decides, so two racing creators cannot both win.
   */
  create(i: { id: string; playbook: string; volume: string; status: 'proposed' | 'running'; configFile: string; params: Record<string, unknown>; runnerPid?: number; steps: { step: string; uses: string }[] }): IncidentRow {
    const t = this.now().toISOString();
    try {
      this.change(i.id, () => {
        this.db
          .prepare('INSERT INTO incidents (id, playbook, volume, status, config_file, params, runner_pid, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .run(i.id, i.playbook, i.volume, i.status, i.configFile, JSON.stringify(i.params), i.runnerPid ?? null, t, t);
        const ins = this.db.prepare("INSERT INTO incident_steps (incident_id, step, seq, uses, status) VALUES (?, ?, ?, ?, 'pending')");
        i.steps.forEach((s, n) => ins.run(i.id, s.step, n, s.uses));
      });
    } catch (e) {
      if (errnoCode(e) === 'SQLITE_CONSTRAINT_UNIQUE' && i.status === 'running') {
        const active = this.active(i.volume);
        throw conflict('INCIDENT_ACTIVE', `start incident on volume ${i.volume}: incident ${active?.id ?? '?'} is ${active?.status ?? 'active'} on it; resume or abort it first`, e);
      }
      throw e;
    }
    return this.get(i.id)!;
  }

  get(id: string): IncidentRow | undefined {
    const r = this.db.prepare('SELECT * FROM incidents WHERE id = ?').get(id) as Row | undefined;
    return r ? toIncident(r) : undefined;
  }

  require(id: string): IncidentRow {
    const r = this.get(id);
    if (!r) throw notFound('INCIDENT_NOT_FOUND', `incident ${id}: not in the catalog`);
    return r;
  }

  /** The running or failed run on a volume, if any. */
  active(volume: string): IncidentRow | undefined {
    const r = this.db.prepare("SELECT * FROM incidents WHERE volume = ? AND status IN ('running', 'failed')").get(volume) as Row | undefined;
    return r ? toIncident(r) : undefined;
  }

  list(limit = 100): IncidentRow[] {
    return (this.db.prepare('SELECT * FROM incidents ORDER BY created_at DESC, id DESC LIMIT ?').all(limit) as Row[]).map(toIncident);
  }

  /** Moves a run to `status`; SQLITE_CONSTRAINT_UNIQUE (another active run) becomes INCIDENT_ACTIVE. */
  setStatus(id: string, status: IncidentStatus, o: { message?: string | undefined; runnerPid?: number | null } = {}): void {
    const t = this.now().toISOString();
    const done = status === 'succeeded' || status === 'aborted';
    try {
      this.change(id, () =>
        this.db
          .prepare('UPDATE incidents SET status = ?, message = ?, updated_at = ?, finished_at = ?, runner_pid = CASE WHEN ? THEN ? ELSE runner_pid END WHERE id = ?')
          .run(status, o.message ?? null, t, done ? t : null, o.runnerPid !== undefined ? 1 : 0, o.runnerPid ?? null, id),
      );
    } catch (e) {
      if (errnoCode(e) === 'SQLITE_CONSTRAINT_UNIQUE') {
        const row = this.get(id);
        throw conflict('INCIDENT_ACTIVE', `resume incident ${id}: incident ${row ? this.active(row.volume)?.id : '?'} is active on the same volume`, e);
      }
      throw e;
    }
  }

  steps(id: string): IncidentStepRow[] {
    return (this.db.prepare('SELECT * FROM incident_steps WHERE incident_id = ? ORDER BY seq').all(id) as Row[]).map(toStep);
  }

  startStep(id: string, step: string): void {
    this.change(id, () => this.db.prepare("UPDATE incident_steps SET status = 'started', attempts = attempts + 1, started_at = ?, error = NULL WHERE incident_id = ? AND step = ?").run(this.now().toISOString(), id, step));
  }

  /** Merges into the step's progress (what an attempt knows before its side effect). */
  recordProgress(id: string, step: string, progress: Record<string, unknown>): void {
    const cur = this.steps(id).find((s) => s.step === step)?.progress ?? {};
    this.change(id, () => this.db.prepare('UPDATE incident_steps SET progress = ? WHERE incident_id = ? AND step = ?').run(JSON.stringify({ ...cur, ...progress }), id, step));
  }

  completeStep(id: string, step: string, outputs: Record<string, unknown>): void {
    this.change(id, () => this.db.prepare("UPDATE incident_steps SET status = 'completed', completed_at = ?, outputs = ?, error = NULL WHERE incident_id = ? AND step = ?").run(this.now().toISOString(), JSON.stringify(outputs), id, step));
  }

  failStep(id: string, step: string, error: string): void {
    this.change(id, () => this.db.prepare("UPDATE incident_steps SET status = 'failed', error = ? WHERE incident_id = ? AND step = ?").run(error, id, step));
  }

  markUndone(id: string, step: string, status: 'undone' | 'undo-failed', note: string): void {
    this.change(id, () => this.db.prepare('UPDATE incident_steps SET status = ?, error = ? WHERE incident_id = ? AND step = ?').run(status, note, id, step));
  }
}
