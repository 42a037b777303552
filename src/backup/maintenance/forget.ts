/**
 * forget: removes snapshots that the retention policy does not keep. Snapshots are grouped by
 * host and paths (and volume, when provenance names one), as restic does, so one policy applied to
 * a repository shared by many volumes keeps N of *each*. Data is freed later by prune.
 *
 * It holds the exclusive lock (as restic's forget does) from before it lists the snapshots until
 * its last deletion: two retention passes that each decide on the same list can together remove
 * every snapshot (one keeps only A, the other only B), where run one after the other the second
 * would have kept what the first left. A dry run decides nothing and takes no lock.
 *
 * Whatever the policy says, incident evidence is kept, and so are the last clean snapshots before
 * each snapshot whose backup was judged suspicious (ransomware signals), while it exists.
 */
import { isHoldfastError } from '../../base/errors.js';
import { faultPoint } from '../../base/faults.js';
import { acquireExclusive } from '../repository/locks.js';
import { applyRetention, isEmptyPolicy, type RetentionDecision, type RetentionPolicy } from '../../policy/retention.js';
import { suspicionPins } from '../../policy/suspicion-retention.js';
import type { Repository } from '../repository/repository.js';
import { listSnapshots, type SnapshotRef } from '../snapshot/snapshot.js';
import { invalidInput } from '../../base/errors.js';

export interface ForgetOptions {
  policy: RetentionPolicy;
  dryRun?: boolean;
  /** Snapshot ids kept whatever the policy says, with the reason (known-good points, evidence). */
  pinned?: ReadonlyMap<string, string>;
  now?: Date;
  /**
   * Clean snapshots kept before each suspicious one of the same group (policy/suspicion-retention.ts),
   * while it exists; default 3.
   */
  keepBeforeSuspicious?: number;
  /** Only consider snapshots that pass this filter (e.g. one volume). */
  filter?: (s: SnapshotRef) => boolean;
}

export interface ForgetGroup {
  key: string;
  decisions: (RetentionDecision & { time: string; tags: string[] })[];
}

export interface ForgetResult {
  groups: ForgetGroup[];
  removed: string[];
  /** Snapshots that retention would remove but the store's object lock holds. */
  held: { id: string; until?: string }[];
}

/** Clean snapshots kept before a suspicious one: enough to survive one more bad guess of which is clean. */
export const DEFAULT_KEEP_BEFORE_SUSPICIOUS = 3;

/** Evidence that an incident playbook preserved is never removed by retention, whatever the policy. */
export const EVIDENCE_TAG = 'incident-evidence';

export const groupKey = (s: SnapshotRef) => `${s.snapshot.provenance.volume ?? ''}|${s.snapshot.host}|${s.snapshot.paths.join(',')}`;

export async function forget(repo: Repository, opts: ForgetOptions): Promise<ForgetResult> {
  if (isEmptyPolicy(opts.policy)) throw invalidInput('FORGET_NO_POLICY', 'forget: give at least one --keep-* option (refusing to remove every snapshot)');
  const lock = opts.dryRun ? undefined : await acquireExclusive(repo, 'forget');
  try {
    return await decideAndRemove(repo, opts);
  } finally {
    await lock?.release();
  }
}

async function decideAndRemove(repo: Repository, opts: ForgetOptions): Promise<ForgetResult> {
  const all = (await listSnapshots(repo)).filter(opts.filter ?? (() => true));
  const groups = new Map<string, SnapshotRef[]>();
  for (const s of all) groups.set(groupKey(s), [...(groups.get(groupKey(s)) ?? []), s]);
  const result: ForgetResult = { groups: [], removed: [], held: [] };
  for (const [key, snaps] of groups) {
    const byId = new Map(snaps.map((s) => [s.id, s]));
    const items = snaps.map((s) => ({ id: s.id, time: new Date(s.snapshot.time), tags: s.snapshot.tags }));
    const pinned = new Map(opts.pinned);
    for (const s of snaps) if (s.snapshot.tags.includes(EVIDENCE_TAG) && !pinned.has(s.id)) pinned.set(s.id, 'incident evidence');
    const judged = snaps.map((s) => ({ id: s.id, time: new Date(s.snapshot.time), suspicious: s.snapshot.suspicion?.verdict === 'suspicious' }));
    for (const [id, why] of suspicionPins(judged, opts.keepBeforeSuspicious ?? DEFAULT_KEEP_BEFORE_SUSPICIOUS)) if (!pinned.has(id)) pinned.set(id, why);
    const decisions = applyRetention(items, opts.policy, opts.now ?? new Date(), pinned);
    await faultPoint('forget:decided');
    result.groups.push({ key, decisions: decisions.map((d) => ({ ...d, time: byId.get(d.id)!.snapshot.time, tags: byId.get(d.id)!.snapshot.tags })) });
    for (const d of decisions) {
      if (d.keep) continue;
      const name = `snapshots/${d.id}`;
      if (opts.dryRun) {
        result.removed.push(d.id);
        continue;
      }
      try {
        await repo.store.delete(name);
        result.removed.push(d.id);
      } catch (e) {
        if (!isHoldfastError(e, 'BLOB_HELD')) throw e;
        const until = await repo.store.heldUntil?.(name);
        result.held.push({ id: d.id, ...(until ? { until: until.toISOString() } : {}) });
      }
    }
  }
  return result;
}
