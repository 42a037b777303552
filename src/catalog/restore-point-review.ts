/**
 * Clearing a suspicious restore point: after checking it, a person says the change was not
 * ransomware (a planned re-encryption, a bulk conversion), with a reason. The point and the ones
 * after it become candidates again; the judgement written with the snapshot stays as it was.
 * Recorded for a rebuild and audited, like a dismissed finding; withdrawing the word is the same.
 */
import { invalidInput, notFound } from '../base/errors.js';
import type { Catalog } from './catalog.js';
import type { RestorePoint } from './restore-points.js';

export function clearSuspicion(catalog: Catalog, r: { snapshotId: string; reason: string; actor: string; at: Date; withdraw?: boolean }): RestorePoint {
  return catalog.transaction(() => {
    const p = catalog.restorePoints.get(r.snapshotId);
    if (!p) throw notFound('RESTORE_POINT_NOT_FOUND', `restore point ${r.snapshotId}: not in the catalog`);
    if (p.suspicion?.verdict !== 'suspicious') throw invalidInput('NOT_SUSPICIOUS', `restore point ${r.snapshotId}: not marked suspicious (${p.suspicion?.verdict ?? 'no judgement'}), nothing to clear`);
    if (!r.reason.trim()) throw invalidInput('BAD_REASON', `restore point ${r.snapshotId}: give the reason it is a false positive`);
    if (r.withdraw && !p.review) throw invalidInput('NOT_CLEARED', `restore point ${r.snapshotId}: its suspicion was not cleared, nothing to withdraw`);
    const review = r.withdraw ? undefined : { decision: 'cleared' as const, actor: r.actor, reason: r.reason, at: r.at };
    catalog.restorePoints.setReview(r.snapshotId, review);
    catalog.records.append('restore-point-review', r.at, { snapshotId: r.snapshotId, decision: r.withdraw ? 'withdrawn' : 'cleared', actor: r.actor, reason: r.reason, at: r.at.toISOString() });
    catalog.audit.append({ actor: r.actor, action: r.withdraw ? 'restore-point.suspicion-restored' : 'restore-point.suspicion-cleared', object: `restore-point:${r.snapshotId}`, details: { volume: p.volume, reason: r.reason, reasons: p.suspicion.reasons } });
    return catalog.restorePoints.get(r.snapshotId)!;
  });
}
