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

/**
 * Change signals: what a backup measured against its parent while chunking (backup/archiver/
 * signals.ts), judged by policy/change-signals.ts. Defined here, the lowest layer that stores them.
 */
export interface RestorePointSignals {
  /** Files in this backup. */
  files: number;
  /** Files at a path the parent did not have. */
  filesNew: number;
  /** Files at a path the parent had, read again because their metadata changed. */
  filesChanged: number;
  /** Files the parent had that are gone. */
  filesRemoved: number;
  /** Bytes read (the new and changed files). */
  bytesChanged: number;
  /** Bytes of chunks the repository did not hold. */
  bytesNew: number;
  /** Bytes read whose chunks the repository already held. */
  bytesDeduplicated: number;
  /** What zstd made of the new chunks (before encryption's overhead). */
  bytesNewStored: number;
  /** New bytes zstd could not shrink, stored as they are. */
  bytesNewIncompressible: number;
  /**
   * Files that replaced a removed file of the same directory under a new extension ("x.docx" →
   * "x.docx.locked" or "x.locked"), counted per new extension (".locked"; "" when it has none).
   */
  renamed: Record<string, number>;
  /** True for a backup without a parent: everything is new, so it is neither judged nor history. */
  initial?: boolean | undefined;
}

/** The judgement of those signals, stored with the snapshot when it was written. */
export interface RestorePointSuspicion {
  verdict: 'suspicious' | 'normal' | 'unjudged';
  reasons: string[];
}

/** A person's word on a suspicious point after checking it: a false positive, cleared. */
export interface RestorePointReview {
  decision: 'cleared';
  actor: string;
  reason: string;
  at: Date;
}

export interface RestorePoint {
  /** The backup repository the snapshot lives in (a path or bucket URL, never with credentials). */
  repository: string;
  snapshotId: string;
  time: Date;
  volume: string;
  tags: string[];
  provenance: RestorePointProvenance;
  /** Absent for snapshots written before change signals existed. */
  signals?: RestorePointSignals | undefined;
  suspicion?: RestorePointSuspicion | undefined;
  /** Present once someone cleared the suspicion; the judgement itself stays as it was written. */
  review?: RestorePointReview | undefined;
}

interface Row {
  snapshot_id: string;
  repository: string;
  volume: string;
  time: string;
  tags: string;
  provenance: string;
  signals: string | null;
  suspicion: string | null;
  review_actor: string | null;
  review_reason: string | null;
  review_at: string | null;
}
const toPoint = (r: Row): RestorePoint => ({
  repository: r.repository,
  snapshotId: r.snapshot_id,
  time: new Date(r.time),
  volume: r.volume,
  tags: JSON.parse(r.tags) as string[],
  provenance: JSON.parse(r.provenance) as RestorePointProvenance,
  ...(r.signals ? { signals: JSON.parse(r.signals) as RestorePointSignals } : {}),
  ...(r.suspicion ? { suspicion: JSON.parse(r.suspicion) as RestorePointSuspicion } : {}),
  ...(r.review_at ? { review: { decision: 'cleared' as const, actor: r.review_actor!, reason: r.review_reason!, at: new Date(r.review_at) } } : {}),
});

const selectPoints = `SELECT p.*, r.actor AS review_actor, r.reason AS review_reason, r.at AS review_at
  FROM restore_points p LEFT JOIN restore_point_reviews r ON r.snapshot_id = p.snapshot_id`;

export class RestorePointStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {}

  /**
   * Idempotent upsert by snapshot id: a rebuilt catalog and a live one end up identical. A record
   * without signals (by hand, from an older snapshot) keeps those already recorded.
   */
  record(p: RestorePoint): RestorePoint {
    if (!p.snapshotId) throw invalidInput('BAD_SNAPSHOT_ID', 'record restore point: snapshot id must not be empty');
    if (Number.isNaN(p.time.getTime())) throw invalidInput('BAD_TIME', `restore point ${p.snapshotId}: time is not a valid date`);
    if (p.provenance.volume !== undefined && p.provenance.volume !== p.volume) {
      throw invalidInput('PROVENANCE_VOLUME_MISMATCH', `restore point ${p.snapshotId}: provenance is of volume ${p.provenance.volume}, not ${p.volume}`);
    }
    this.db
      .prepare(
        `INSERT INTO restore_points (snapshot_id, repository, volume, time, tags, provenance, recorded_at, signals, suspicion)
         VALUES (@snapshot_id, @repository, @volume, @time, @tags, @provenance, @recorded_at, @signals, @suspicion)
         ON CONFLICT (snapshot_id) DO UPDATE SET repository = excluded.repository, volume = excluded.volume,
           time = excluded.time, tags = excluded.tags, provenance = excluded.provenance,
           signals = COALESCE(excluded.signals, signals), suspicion = COALESCE(excluded.suspicion, suspicion)`,
      )
      .run({
        snapshot_id: p.snapshotId,
        repository: p.repository,
        volume: p.volume,
        time: p.time.toISOString(),
        tags: JSON.stringify([...p.tags].sort()),
        provenance: JSON.stringify(p.provenance),
        recorded_at: this.now().toISOString(),
        signals: p.signals ? JSON.stringify(p.signals) : null,
        suspicion: p.suspicion ? JSON.stringify(p.suspicion) : null,
      });
    return this.get(p.snapshotId)!;
  }

  get(snapshotId: string): RestorePoint | undefined {
    const r = this.db.prepare(`${selectPoints} WHERE p.snapshot_id = ?`).get(snapshotId) as Row | undefined;
    return r ? toPoint(r) : undefined;
  }

  /** Oldest first; of one volume when given. */
  list(filter: { volume?: string } = {}): RestorePoint[] {
    const rows = filter.volume
      ? this.db.prepare(`${selectPoints} WHERE p.volume = ? ORDER BY p.time, p.snapshot_id`).all(filter.volume)
      : this.db.prepare(`${selectPoints} ORDER BY p.time, p.snapshot_id`).all();
    return (rows as Row[]).map(toPoint);
  }

  /** For forget: the catalog follows the repository. */
  remove(snapshotId: string): void {
    this.db.prepare('DELETE FROM restore_points WHERE snapshot_id = ?').run(snapshotId);
    this.db.prepare('DELETE FROM restore_point_reviews WHERE snapshot_id = ?').run(snapshotId);
  }

  /**
   * Records (or, with `undefined`, withdraws) the review of a snapshot. Kept by snapshot id, so a
   * review replayed by a rebuild lands whether or not its restore point is back yet.
   */
  setReview(snapshotId: string, review: RestorePointReview | undefined): void {
    if (!review) {
      this.db.prepare('DELETE FROM restore_point_reviews WHERE snapshot_id = ?').run(snapshotId);
      return;
    }
    this.db
      .prepare(
        `INSERT INTO restore_point_reviews (snapshot_id, decision, actor, reason, at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (snapshot_id) DO UPDATE SET decision = excluded.decision, actor = excluded.actor, reason = excluded.reason, at = excluded.at`,
      )
      .run(snapshotId, review.decision, review.actor, review.reason, review.at.toISOString());
  }
}
