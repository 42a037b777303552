/**
 * The audit trail: who did what to which object, appended and never edited. Details are small
 * JSON objects; callers never put secrets in them.
 */
import type Database from 'better-sqlite3';

export interface AuditEvent {
  id: number;
  time: string;
  actor: string;
  action: string;
  object: string;
  details: Record<string, unknown>;
}

export class AuditLog {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {}

  append(e: { actor: string; action: string; object: string; details?: Record<string, unknown> }): AuditEvent {
    const time = this.now().toISOString();
    const r = this.db
      .prepare('INSERT INTO audit_events (time, actor, action, object, details) VALUES (?, ?, ?, ?, ?)')
      .run(time, e.actor, e.action, e.object, JSON.stringify(e.details ?? {}));
    return { id: Number(r.lastInsertRowid), time, actor: e.actor, action: e.action, object: e.object, details: e.details ?? {} };
  }

  /** Newest first. */
  list(filter: { object?: string; action?: string; limit?: number } = {}): AuditEvent[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.object) {
      where.push('object = ?');
      args.push(filter.object);
    }
    if (filter.action) {
      where.push('action = ?');
      args.push(filter.action);
    }
    const sql = `SELECT * FROM audit_events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, filter.limit ?? 1000) as (Omit<AuditEvent, 'details'> & { details: string })[];
    return rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
  }
}
