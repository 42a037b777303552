/**
 * Security-aware retention for `forget`: whatever the GFS rules say, the newest known-good restore
 * point of a volume is kept, so pruning can never leave a volume with only vulnerable or unjudged
 * backups. Pure: verdicts are passed in.
 */
import type { Verdict } from './restore-point.js';

export interface JudgedRestorePoint {
  snapshotId: string;
  time: Date;
  /** clean when every version the point records is clean; vulnerable when any is; else unknown. */
  verdict: Verdict;
}

export interface SecurityKeep {
  keep: string[];
  reason: 'kept-newest-clean' | 'no-clean-point' | 'no-points';
  message: string;
}

export function securityKeep(volume: string, points: readonly JudgedRestorePoint[]): SecurityKeep {
  if (points.length === 0) return { keep: [], reason: 'no-points', message: `volume ${volume}: no restore points` };
  const clean = points.filter((p) => p.verdict === 'clean').sort((a, b) => b.time.getTime() - a.time.getTime() || (a.snapshotId < b.snapshotId ? 1 : -1));
  const newest = clean[0];
  if (!newest) return { keep: [], reason: 'no-clean-point', message: `volume ${volume}: none of ${points.length} restore point(s) is known to be clean; nothing extra kept` };
  return { keep: [newest.snapshotId], reason: 'kept-newest-clean', message: `volume ${volume}: keep ${newest.snapshotId} (${newest.time.toISOString()}), the newest known-good restore point` };
}

/** A restore point's verdict from those of the versions it records: one vulnerable taints it, one unknown leaves it unknown. */
export function pointVerdict(versions: readonly { verdict: Verdict }[]): Verdict {
  if (versions.length === 0) return 'unknown';
  if (versions.some((v) => v.verdict === 'vulnerable')) return 'vulnerable';
  if (versions.some((v) => v.verdict === 'unknown')) return 'unknown';
  return 'clean';
}
