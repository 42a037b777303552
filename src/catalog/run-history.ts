/**
 * Run history: every scheduled run of the control plane (backup, verify, certificate, report, prune) with
 * its outcome and log lines, plus the scheduler's marks (the last fire time accounted for per job)
 * from which missed runs are found after downtime.
 */
import type Database from 'better-sqlite3';

export type RunKind = 'backup' | 'verify' | 'certificate' | 'report' | 'prune';
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'missed';

export interface RunRow {
  id: number;
  kind: RunKind;
  policy: string;
  target: string;
  repository: string | undefined;
  scheduledFor: Date;
  startedAt: Date | undefined;
  finishedAt: Date | undefined;
  status: RunStatus;
  reason: string | undefined;
  message: string | undefined;
  snapshotId: string | undefined;
  bytes: number | undefined;
  durationMs: number | undefined;
  details: Record<string, unknown>;
}

export interface RunLogLine {
  seq: number;
  time: Date;
  level: string;
  message: string;
}

export interface RunFilter {
  kind?: RunKind;
  policy?: string;
  target?: string;
  status?: RunStatus;
  limit?: number;
}

interface Row {
  [k: string]: string | number | null;
}
const d = (v: unknown) => (v === null || v === undefined ? undefined : new Date(String(v)));
const s = (v: unknown) => (v === null || v === undefined ? undefined : String(v));
const n = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));
const toRun = (r: Row): RunRow => ({
  id: Number(r.id),
  kind: r.kind as RunKind,
  policy: String(r.policy),
  target: String(r.target),
  repository: s(r.repository),
  scheduledFor: new Date(String(r.scheduled_for)),
  startedAt: d(r.started_at),
  finishedAt: d(r.finished_at),
  status: r.status as RunStatus,
  reason: s(r.reason),
  message: s(r.message),
  snapshotId: s(r.snapshot_id),
  bytes: n(r.bytes),
  durationMs: n(r.duration_ms),
  details: JSON.parse(String(r.details)) as Record<string, unknown>,
});

export interface FinishRun {
  status: 'succeeded' | 'failed';
  reason?: string | undefined;
  message?: string | undefined;
  snapshotId?: string | undefined;
  bytes?: number | undefined;
  details?: Record<string, unknown>;
}

export class RunHistory {
  constructor(private readonly db: Database.Database) {}

  start(r: {
    kind: RunKind;
    policy: string;
    target: string;
    repository?: string | undefined;
    scheduledFor: Date;
    startedAt: Date;
  }): RunRow {
    const res = this.db
      .prepare(
        `INSERT INTO runs (kind, policy, target, repository, scheduled_for, started_at, status) VALUES (?, ?, ?, ?, ?, ?, 'running')`,
      )
      .run(
        r.kind,
        r.policy,
        r.target,
        r.repository ?? null,
        r.scheduledFor.toISOString(),
        r.startedAt.toISOString(),
      );
    return this.get(Number(res.lastInsertRowid))!;
  }

  /** Records a run that never started (missed while down, or skipped); it is born finished. */
  recordMissed(r: {
    kind: RunKind;
    policy: string;
    target: string;
    repository?: string | undefined;
    scheduledFor: Date;
    reason: string;
    message: string;
  }): RunRow {
    const res = this.db
      .prepare(
        `INSERT INTO runs (kind, policy, target, repository, scheduled_for, status, reason, message) VALUES (?, ?, ?, ?, ?, 'missed', ?, ?)`,
      )
      .run(
        r.kind,
        r.policy,
        r.target,
        r.repository ?? null,
        r.scheduledFor.toISOString(),
        r.reason,
        r.message,
      );
    return this.get(Number(res.lastInsertRowid))!;
  }

  /** Finishes a running run; a run already finished (e.g. by the watchdog) is left as it is. */
  finish(id: number, at: Date, f: FinishRun): RunRow | undefined {
    const run = this.get(id);
    if (!run || run.status !== 'running') return run;
    const duration = run.startedAt ? at.getTime() - run.startedAt.getTime() : null;
    this.db
      .prepare(
        `UPDATE runs SET status = ?, finished_at = ?, reason = ?, message = ?, snapshot_id = ?, bytes = ?, duration_ms = ?, details = ?
         WHERE id = ? AND status = 'running'`,
      )
      .run(
        f.status,
        at.toISOString(),
        f.reason ?? null,
        f.message ?? null,
        f.snapshotId ?? null,
        f.bytes ?? null,
        duration,
        JSON.stringify(f.details ?? run.details),
        id,
      );
    return this.get(id);
  }

  get(id: number): RunRow | undefined {
    const r = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return r ? toRun(r) : undefined;
  }

  /** Newest first. */
  list(f: RunFilter = {}): RunRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    for (const [col, v] of [
      ['kind', f.kind],
      ['policy', f.policy],
      ['target', f.target],
      ['status', f.status],
    ] as const) {
      if (v !== undefined) {
        where.push(`${col} = ?`);
        args.push(v);
      }
    }
    const sql = `SELECT * FROM runs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY scheduled_for DESC, id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, f.limit ?? 200) as Row[]).map(toRun);
  }

  running(): RunRow[] {
    return (this.db.prepare(`SELECT * FROM runs WHERE status = 'running' ORDER BY id`).all() as Row[]).map(
      toRun,
    );
  }

  /** The newest succeeded run of a job, if any. */
  lastSucceeded(kind: RunKind, policy: string, target: string): RunRow | undefined {
    const r = this.db
      .prepare(
        `SELECT * FROM runs WHERE kind = ? AND policy = ? AND target = ? AND status = 'succeeded' ORDER BY finished_at DESC, id DESC LIMIT 1`,
      )
      .get(kind, policy, target) as Row | undefined;
    return r ? toRun(r) : undefined;
  }

  /** Counts by status for one job: for failure counters that survive a restart. */
  counts(kind: RunKind, policy: string, target: string): Record<RunStatus, number> {
    const out: Record<RunStatus, number> = { running: 0, succeeded: 0, failed: 0, missed: 0 };
    const rows = this.db
      .prepare(
        'SELECT status, COUNT(*) AS c FROM runs WHERE kind = ? AND policy = ? AND target = ? GROUP BY status',
      )
      .all(kind, policy, target) as { status: RunStatus; c: number }[];
    for (const r of rows) out[r.status] = r.c;
    return out;
  }

  /** Forgets finished runs (and their logs) scheduled before `before`; returns how many. */
  deleteFinishedBefore(before: Date): number {
    return this.db.transaction(() => {
      const cutoff = before.toISOString();
      const ids = `SELECT id FROM runs WHERE scheduled_for < ? AND status != 'running' AND id NOT IN (SELECT run_id FROM verifications WHERE run_id IS NOT NULL)`;
      this.db.prepare(`DELETE FROM run_logs WHERE run_id IN (${ids})`).run(cutoff);
      return this.db.prepare(`DELETE FROM runs WHERE id IN (${ids})`).run(cutoff).changes;
    })();
  }

  log(runId: number, time: Date, level: string, message: string): void {
    this.db
      .prepare(
        'INSERT INTO run_logs (run_id, seq, time, level, message) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM run_logs WHERE run_id = ?), ?, ?, ?)',
      )
      .run(runId, runId, time.toISOString(), level, message);
  }

  logs(runId: number): RunLogLine[] {
    return (
      this.db
        .prepare('SELECT seq, time, level, message FROM run_logs WHERE run_id = ? ORDER BY seq')
        .all(runId) as Row[]
    ).map((r) => ({
      seq: Number(r.seq),
      time: new Date(String(r.time)),
      level: String(r.level),
      message: String(r.message),
    }));
  }

  mark(job: string): Date | undefined {
    const r = this.db.prepare('SELECT last_fire FROM schedule_marks WHERE job = ?').get(job) as
      { last_fire: string } | undefined;
    return r ? new Date(r.last_fire) : undefined;
  }

  setMark(job: string, lastFire: Date): void {
    this.db
      .prepare(
        'INSERT INTO schedule_marks (job, last_fire) VALUES (?, ?) ON CONFLICT (job) DO UPDATE SET last_fire = excluded.last_fire',
      )
      .run(job, lastFire.toISOString());
  }
}
