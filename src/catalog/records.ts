/**
 * Catalog records: what the catalog knows that no snapshot manifest says (a SAST report ingested,
 * a deploy, a dismissal, a verified restore, a certificate event, an incident's journal), kept so
 * the catalog can be rebuilt from a backup repository alone.
 *
 * The layer that owns a change appends its record here in the same transaction as the change, so
 * a record exists exactly when the change does (the outbox, migrations/008-catalog-records.ts).
 * Runs that have a repository open copy the records it has not been given yet (recovery/push.ts);
 * the repository keeps them as encrypted `catalog/` objects (backup/repository/catalog-records.ts).
 *
 * A record is a small JSON object: a kind, when the change happened, and a body whose shape belongs
 * to the kind's owner. Never a secret or a private key: a record is as readable as the repository.
 */
import type Database from 'better-sqlite3';

export const catalogRecordKinds = ['sast-report', 'version', 'deployment', 'dismissal', 'verification', 'certificate-event', 'incident', 'incident-report', 'restore-point-review'] as const;
export type CatalogRecordKind = (typeof catalogRecordKinds)[number];

/** Version of a record's shape; a rebuild skips (and names) records of a newer one. */
export const CATALOG_RECORD_FORMAT = 1;

export interface CatalogRecord {
  format: number;
  kind: CatalogRecordKind;
  /** The catalog that made it: records of several catalogs are ordered by (time, origin, seq). */
  origin: string;
  seq: number;
  /** When the change happened (ISO 8601). */
  time: string;
  body: Record<string, unknown>;
}

/**
 * While a rebuild replays records through the same code that made them, that code must not append
 * them again as new records: per connection, because every store builds its own log on it.
 */
const replaying = new WeakSet<Database.Database>();

export class CatalogRecordLog {
  constructor(private readonly db: Database.Database) {}

  /**
   * Appends a record; call inside the transaction of the change it describes. Nothing while
   * replaying. `attachment`: bytes the record carries (a report's gzip), stored as they are and
   * put into the body as base64 under `field` only when the record leaves the catalog (pending).
   */
  append(kind: CatalogRecordKind, time: Date, body: Record<string, unknown>, attachment?: { field: string; bytes: Buffer }): void {
    if (replaying.has(this.db)) return;
    this.db
      .prepare('INSERT INTO catalog_records (kind, time, body, attachment_field, attachment) VALUES (?, ?, ?, ?, ?)')
      .run(kind, time.toISOString(), JSON.stringify(body), attachment?.field ?? null, attachment?.bytes ?? null);
  }

  /** Runs `fn` with appends switched off: for replaying records that already exist. */
  replay<T>(fn: () => T): T {
    replaying.add(this.db);
    try {
      return fn();
    } finally {
      replaying.delete(this.db);
    }
  }

  origin(): string {
    return (this.db.prepare('SELECT id FROM catalog_origin').get() as { id: string }).id;
  }

  /** Records the repository `repositoryId` has not been given yet, oldest first, at most `limit`. */
  pending(repositoryId: string, limit = 500): CatalogRecord[] {
    const origin = this.origin();
    const rows = this.db
      .prepare('SELECT seq, kind, time, body, attachment_field, attachment FROM catalog_records WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(this.exportedUpTo(repositoryId), limit) as { seq: number; kind: CatalogRecordKind; time: string; body: string; attachment_field: string | null; attachment: Buffer | null }[];
    return rows.map((r) => {
      const body = JSON.parse(r.body) as Record<string, unknown>;
      if (r.attachment_field !== null && r.attachment !== null) body[r.attachment_field] = r.attachment.toString('base64');
      return { format: CATALOG_RECORD_FORMAT, kind: r.kind, origin, seq: r.seq, time: r.time, body };
    });
  }

  exportedUpTo(repositoryId: string): number {
    const r = this.db.prepare('SELECT last_seq FROM catalog_record_exports WHERE repository_id = ?').get(repositoryId) as { last_seq: number } | undefined;
    return r?.last_seq ?? 0;
  }

  /** The repository holds every record up to `seq`. */
  markExported(repositoryId: string, seq: number, at: Date): void {
    this.db
      .prepare(
        `INSERT INTO catalog_record_exports (repository_id, last_seq, exported_at) VALUES (?, ?, ?)
         ON CONFLICT (repository_id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq), exported_at = excluded.exported_at`,
      )
      .run(repositoryId, seq, at.toISOString());
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM catalog_records').get() as { n: number }).n;
  }
}
