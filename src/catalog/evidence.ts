/**
 * Control-plane evidence kept beside the run history: verified restores (result, bytes, measured
 * restore time = RTO), alerts sent to webhooks, and certificate issuance/probe events.
 */
import type Database from 'better-sqlite3';
import { CatalogRecordLog } from './records.js';

export interface VerificationRow {
  id: number;
  snapshotId: string;
  volume: string;
  runId: number | undefined;
  time: Date;
  result: 'passed' | 'failed';
  bytes: number;
  files: number;
  restoreMs: number;
  checkExit: number | undefined;
  message: string;
}

export interface AlertRow {
  id: number;
  time: Date;
  event: string;
  key: string;
  webhook: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | undefined;
  payload: Record<string, unknown>;
}

export interface CertificateEventRow {
  id: number;
  name: string;
  time: Date;
  action: 'issued' | 'renewed' | 'probed';
  serial: string | undefined;
  fingerprint: string | undefined;
  notAfter: Date | undefined;
  message: string;
}

type Row = Record<string, string | number | null>;
const opt = <T>(v: string | number | null | undefined, f: (x: string | number) => T) =>
  v === null || v === undefined ? undefined : f(v);

export class EvidenceStore {
  private readonly records: CatalogRecordLog;
  constructor(private readonly db: Database.Database) {
    this.records = new CatalogRecordLog(db);
  }

  /** A verified restore, and its record for a rebuild (the run it belonged to is not kept there). */
  addVerification(v: Omit<VerificationRow, 'id'>): VerificationRow {
    return this.db.transaction(() => {
      const row = this.insertVerification(v);
      const { runId: _run, ...rest } = v;
      this.records.append('verification', v.time, { ...rest, time: v.time.toISOString(), checkExit: v.checkExit ?? null });
      return row;
    })();
  }

  private insertVerification(v: Omit<VerificationRow, 'id'>): VerificationRow {
    const r = this.db
      .prepare(
        'INSERT INTO verifications (snapshot_id, volume, run_id, time, result, bytes, files, restore_ms, check_exit, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        v.snapshotId,
        v.volume,
        v.runId ?? null,
        v.time.toISOString(),
        v.result,
        v.bytes,
        v.files,
        v.restoreMs,
        v.checkExit ?? null,
        v.message,
      );
    return { ...v, id: Number(r.lastInsertRowid) };
  }

  /** Newest first. */
  verifications(filter: { volume?: string; snapshotId?: string; limit?: number } = {}): VerificationRow[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM verifications WHERE (@volume IS NULL OR volume = @volume) AND (@snap IS NULL OR snapshot_id = @snap) ORDER BY time DESC, id DESC LIMIT @limit`,
      )
      .all({
        volume: filter.volume ?? null,
        snap: filter.snapshotId ?? null,
        limit: filter.limit ?? 200,
      }) as Row[];
    return rows.map((r) => ({
      id: Number(r.id),
      snapshotId: String(r.snapshot_id),
      volume: String(r.volume),
      runId: opt(r.run_id, Number),
      time: new Date(String(r.time)),
      result: r.result as 'passed' | 'failed',
      bytes: Number(r.bytes),
      files: Number(r.files),
      restoreMs: Number(r.restore_ms),
      checkExit: opt(r.check_exit, Number),
      message: String(r.message),
    }));
  }

  addAlert(a: Omit<AlertRow, 'id'>): AlertRow {
    const r = this.db
      .prepare(
        'INSERT INTO alerts (time, event, key, webhook, status, attempts, last_error, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        a.time.toISOString(),
        a.event,
        a.key,
        a.webhook,
        a.status,
        a.attempts,
        a.lastError ?? null,
        JSON.stringify(a.payload),
      );
    return { ...a, id: Number(r.lastInsertRowid) };
  }

  updateAlert(
    id: number,
    patch: { status: AlertRow['status']; attempts: number; lastError?: string | undefined },
  ): void {
    this.db
      .prepare('UPDATE alerts SET status = ?, attempts = ?, last_error = ? WHERE id = ?')
      .run(patch.status, patch.attempts, patch.lastError ?? null, id);
  }

  /** Newest first. */
  alerts(filter: { event?: string; key?: string; limit?: number } = {}): AlertRow[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM alerts WHERE (@event IS NULL OR event = @event) AND (@key IS NULL OR key = @key) ORDER BY time DESC, id DESC LIMIT @limit`,
      )
      .all({ event: filter.event ?? null, key: filter.key ?? null, limit: filter.limit ?? 200 }) as Row[];
    return rows.map((r) => ({
      id: Number(r.id),
      time: new Date(String(r.time)),
      event: String(r.event),
      key: String(r.key),
      webhook: String(r.webhook),
      status: r.status as AlertRow['status'],
      attempts: Number(r.attempts),
      lastError: opt(r.last_error, String),
      payload: JSON.parse(String(r.payload)) as Record<string, unknown>,
    }));
  }

  /** A certificate event, and its record for a rebuild: names, serials, fingerprints and dates, never a key. */
  addCertificateEvent(e: Omit<CertificateEventRow, 'id'>): CertificateEventRow {
    return this.db.transaction(() => {
      const row = this.insertCertificateEvent(e);
      this.records.append('certificate-event', e.time, {
        name: e.name,
        time: e.time.toISOString(),
        action: e.action,
        serial: e.serial ?? null,
        fingerprint: e.fingerprint ?? null,
        notAfter: e.notAfter?.toISOString() ?? null,
        message: e.message,
      });
      return row;
    })();
  }

  private insertCertificateEvent(e: Omit<CertificateEventRow, 'id'>): CertificateEventRow {
    const r = this.db
      .prepare(
        'INSERT INTO certificate_events (name, time, action, serial, fingerprint, not_after, message) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        e.name,
        e.time.toISOString(),
        e.action,
        e.serial ?? null,
        e.fingerprint ?? null,
        e.notAfter?.toISOString() ?? null,
        e.message,
      );
    return { ...e, id: Number(r.lastInsertRowid) };
  }

  certificateEvents(filter: { name?: string; limit?: number } = {}): CertificateEventRow[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM certificate_events WHERE (@name IS NULL OR name = @name) ORDER BY time DESC, id DESC LIMIT @limit`,
      )
      .all({ name: filter.name ?? null, limit: filter.limit ?? 200 }) as Row[];
    return rows.map((r) => ({
      id: Number(r.id),
      name: String(r.name),
      time: new Date(String(r.time)),
      action: r.action as CertificateEventRow['action'],
      serial: opt(r.serial, String),
      fingerprint: opt(r.fingerprint, String),
      notAfter: opt(r.not_after, (x) => new Date(String(x))),
      message: String(r.message),
    }));
  }
}
