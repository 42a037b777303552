/**
 * Restore points: the catalog's index of the repository's snapshots and their provenance. The
 * repository is the truth; this table can be rebuilt from snapshot manifests at any time, so
 * recording is an upsert by snapshot id and recording the same manifest twice changes nothing.
 *
 * The provenance is stored as given. Its schema belongs to backup/snapshot/provenance.ts, which
 * validates it at the edge; the catalog sits below backup/ and keeps only this structural copy.
 */
import type Database from 'better-sqlite3';
import { invalidInput } from '../base/errors.js';

export interface RestorePointWorkload {
  workload: string;
  container?: string | undefined;
  image?: string | undefined;
  imageDigest?: string | undefined;
  commit?: string | undefined;
  repository?: string | undefined;
}

export interface RestorePointProvenance {
  volume?: string | undefined;
  workloads: RestorePointWorkload[];
  hooks?: unknown[];
  labels?: Record<string, string>;
}

export interface RestorePoint {
  /** The backup repository the snapshot lives in (a path or bucket URL, never with credentials). */
  repository: string;
  snapshotId: string;
  time: Date;
  volume: string;
  tags: string[];
  provenance: RestorePointProvenance;
}

interface Row {
  snapshot_id: string;
  repository: string;
  volume: string;
  time: string;
  tags: string;
  provenance: string;
}
const toPoint = (r: Row): RestorePoint => ({
  repository: r.repository,
  snapshotId: r.snapshot_id,
  time: new Date(r.time),
  volume: r.volume,
  tags: JSON.parse(r.tags) as string[],
  provenance: JSON.parse(r.provenance) as RestorePointProvenance,
});

export class RestorePointStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {}

  /** Idempotent upsert by snapshot id: a rebuilt catalog and a live one end up identical. */
  record(p: RestorePoint): RestorePoint {
    if (!p.snapshotId) throw invalidInput('BAD_SNAPSHOT_ID', 'record restore point: snapshot id must not be empty');
    if (Number.isNaN(p.time.getTime())) throw invalidInput('BAD_TIME', `restore point ${p.snapshotId}: time is not a valid date`);
    if (p.provenance.volume !== undefined && p.provenance.volume !== p.volume) {
      throw invalidInput('PROVENANCE_VOLUME_MISMATCH', `restore point ${p.snapshotId}: provenance is of volume ${p.provenance.volume}, not ${p.volume}`);
    }
    this.db
      .prepare(
        `INSERT INTO restore_points (snapshot_id, repository, volume, time, tags, provenance, recorded_at)
         VALUES (@snapshot_id, @repository, @volume, @time, @tags, @provenance, @recorded_at)
         ON CONFLICT (snapshot_id) DO UPDATE SET repository = excluded.repository, volume = excluded.volume,
           time = excluded.time, tags = excluded.tags, provenance = excluded.provenance`,
      )
      .run({
        snapshot_id: p.snapshotId,
        repository: p.repository,
        volume: p.volume,
        time: p.time.toISOString(),
        tags: JSON.stringify([...p.tags].sort()),
        provenance: JSON.stringify(p.provenance),
        recorded_at: this.now().toISOString(),
      });
    return this.get(p.snapshotId)!;
  }

  get(snapshotId: string): RestorePoint | undefined {
    const r = this.db.prepare('SELECT * FROM restore_points WHERE snapshot_id = ?').get(snapshotId) as Row | undefined;
    return r ? toPoint(r) : undefined;
  }

  /** Oldest first; of one volume when given. */
  list(filter: { volume?: string } = {}): RestorePoint[] {
    const rows = filter.volume
      ? this.db.prepare('SELECT * FROM restore_points WHERE volume = ? ORDER BY time, snapshot_id').all(filter.volume)
      : this.db.prepare('SELECT * FROM restore_points ORDER BY time, snapshot_id').all();
    return (rows as Row[]).map(toPoint);
  }

  /** For forget: the catalog follows the repository. */
  remove(snapshotId: string): void {
    this.db.prepare('DELETE FROM restore_points WHERE snapshot_id = ?').run(snapshotId);
  }
}
