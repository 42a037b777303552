/**
 * The restore points a repository holds, read from its snapshots alone: each snapshot that names
 * its volume is one, with the provenance, change signals and suspicion its backup wrote. What
 * every rebuilder shares (`catalog rebuild`, `restore-point sync`, the operator's RestorePoints), so
 * they recover the same points and name the same damage. A snapshot without a volume (a plain
 * `holdfast backup` of a directory) is no restore point; a damaged one is named, never guessed.
 */
import { listSnapshots, type Repository } from '../backup/index.js';
import type { Provenance } from '../backup/snapshot/provenance.js';
import type { ChangeSignals, Suspicion } from '../policy/change-signals.js';

export interface RecoveredPoint {
  snapshotId: string;
  /** The snapshot's own time, as its manifest stores it (an ISO string). */
  time: string;
  volume: string;
  tags: string[];
  provenance: Provenance;
  signals?: ChangeSignals | undefined;
  suspicion?: Suspicion | undefined;
}

export interface RecoveredPoints {
  /** Oldest first. */
  points: RecoveredPoint[];
  /** Snapshots read, restore points or not. */
  read: number;
  /** Snapshots that could not be read: one line each, naming the object. */
  damaged: string[];
}

export async function restorePointsIn(repo: Repository, volume?: string): Promise<RecoveredPoints> {
  const points: RecoveredPoint[] = [];
  const snapshots = await listSnapshots(repo);
  for (const s of snapshots) {
    const v = s.snapshot.provenance.volume;
    if (!v || (volume && v !== volume)) continue;
    const { time, tags, provenance, signals, suspicion } = s.snapshot;
    points.push({ snapshotId: s.id, time, volume: v, tags, provenance, signals, suspicion });
  }
  const damaged = repo.damaged.filter((d) => d.kind === 'snapshot').map((d) => `${d.name}: ${d.reason} (its restore point is not rebuilt)`);
  return { points, read: snapshots.length, damaged };
}
