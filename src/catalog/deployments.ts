/**
 * The deployment timeline: which version ran on which workload from when to when. Recording a
 * deployment ends the workload's previous one at the same instant, so a workload runs one version
 * at a time. Which workloads mount a volume is recorded too: restore-point choice asks "when did a
 * vulnerable version first go live on anything that writes this volume".
 */
import type Database from 'better-sqlite3';
import { conflict, invalidInput } from '../base/errors.js';
import type { VersionStore } from './versions.js';
import { CatalogRecordLog } from './records.js';

export interface DeploymentRow {
  id: number;
  workload: string;
  versionId: number;
  commit: string;
  imageDigest: string | undefined;
  startedAt: string;
  endedAt: string | undefined;
}

export interface RecordDeployment {
  workload: string;
  commit: string;
  imageDigest?: string | undefined;
  repository?: string | undefined;
  at: Date;
  /** Volumes this workload mounts; added to the workload's mounts, never removed here. */
  volumes?: readonly string[];
}

interface Row {
  id: number;
  workload: string;
  version_id: number;
  commit_sha: string;
  image_digest: string | null;
  started_at: string;
  ended_at: string | null;
}
const toRow = (r: Row): DeploymentRow => ({
  id: r.id,
  workload: r.workload,
  versionId: r.version_id,
  commit: r.commit_sha,
  imageDigest: r.image_digest ?? undefined,
  startedAt: r.started_at,
  endedAt: r.ended_at ?? undefined,
});
const select = 'SELECT d.id, d.workload, d.version_id, v.commit_sha, d.image_digest, d.started_at, d.ended_at FROM deployments d JOIN versions v ON v.id = d.version_id';

export class DeploymentStore {
  constructor(
    private readonly db: Database.Database,
    private readonly versions: VersionStore,
    private readonly now: () => Date,
  ) {
    this.records = new CatalogRecordLog(db);
  }

  private readonly records: CatalogRecordLog;

  /** Idempotent for the same workload, instant and version; a different version at that instant conflicts. */
  record(d: RecordDeployment): DeploymentRow {
    if (!d.workload) throw invalidInput('BAD_WORKLOAD', 'deploy record: --workload must not be empty');
    const at = d.at.toISOString();
    return this.db.transaction(() => {
      const v = this.versions.upsert({ repository: d.repository, commit: d.commit, imageDigests: d.imageDigest ? [d.imageDigest] : [] });
      for (const vol of d.volumes ?? []) this.db.prepare('INSERT OR IGNORE INTO workload_volumes (workload, volume) VALUES (?, ?)').run(d.workload, vol);
      const same = this.db.prepare(`${select} WHERE d.workload = ? AND d.started_at = ?`).get(d.workload, at) as Row | undefined;
      if (same) {
        if (same.version_id !== v.id) throw conflict('DEPLOYMENT_CONFLICT', `workload ${d.workload}: another version is already recorded as deployed at ${at}`);
        return toRow(same);
      }
      // The deployment this one interrupts (started before, not ended before) ends now; one that
      // starts later than this (recorded out of order) bounds this one.
      this.db.prepare('UPDATE deployments SET ended_at = ? WHERE workload = ? AND started_at < ? AND (ended_at IS NULL OR ended_at > ?)').run(at, d.workload, at, at);
      const next = this.db.prepare('SELECT MIN(started_at) AS s FROM deployments WHERE workload = ? AND started_at > ?').get(d.workload, at) as { s: string | null };
      const r = this.db
        .prepare('INSERT INTO deployments (workload, version_id, image_digest, started_at, ended_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(d.workload, v.id, d.imageDigest ?? null, at, next.s, this.now().toISOString());
      this.records.append('deployment', this.now(), { workload: d.workload, commit: d.commit, imageDigest: d.imageDigest ?? null, repository: d.repository ?? null, at, volumes: [...(d.volumes ?? [])] });
      return toRow(this.db.prepare(`${select} WHERE d.id = ?`).get(r.lastInsertRowid) as Row);
    })();
  }

  /** Every deployment, oldest first; of one workload when given. */
  timeline(workload?: string): DeploymentRow[] {
    const rows = workload
      ? this.db.prepare(`${select} WHERE d.workload = ? ORDER BY d.started_at, d.id`).all(workload)
      : this.db.prepare(`${select} ORDER BY d.started_at, d.id`).all();
    return (rows as Row[]).map(toRow);
  }

  addMount(workload: string, volume: string): void {
    this.db.prepare('INSERT OR IGNORE INTO workload_volumes (workload, volume) VALUES (?, ?)').run(workload, volume);
  }

  workloadsMounting(volume: string): string[] {
    return (this.db.prepare('SELECT workload FROM workload_volumes WHERE volume = ? ORDER BY workload').all(volume) as { workload: string }[]).map((r) => r.workload);
  }
}
