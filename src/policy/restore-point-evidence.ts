/**
 * Gathers the facts `chooseRestorePoint` and `securityKeep` decide on, from the catalog: the
 * workloads that mount a volume, their deployment timeline, the volume's restore points with the
 * versions their provenance records, and each version's verdict for the target. A version the
 * catalog does not know, or a provenance entry whose commit and image digest disagree, is judged
 * unknown and says why — it is never guessed clean.
 */
import { notFound } from '../base/errors.js';
import type { Catalog } from '../catalog/index.js';
import { describeTarget, versionVerdict, type VerdictTarget } from '../sast/index.js';
import type { ChooseInput, JudgedVersion } from './restore-point.js';
import { pointVerdict, type JudgedRestorePoint } from './security-retention.js';

type Ref = { commit?: string | undefined; imageDigest?: string | undefined };

function judge(catalog: Catalog, target: VerdictTarget, cache: Map<string, JudgedVersion>, ref: Ref): JudgedVersion {
  const key = `${ref.commit ?? ''}|${ref.imageDigest ?? ''}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const out = (verdict: JudgedVersion['verdict'], why: string): JudgedVersion => {
    const j = { commit: ref.commit, imageDigest: ref.imageDigest, verdict, why };
    cache.set(key, j);
    return j;
  };
  if (!ref.commit && !ref.imageDigest) return out('unknown', 'neither commit nor image digest recorded');
  const byCommit = ref.commit ? catalog.versions.findByCommit(ref.commit) : undefined;
  const byDigest = ref.imageDigest ? catalog.versions.findByDigest(ref.imageDigest) : undefined;
  if (byCommit && byDigest && byCommit.id !== byDigest.id) {
    return out('unknown', `image ${ref.imageDigest} is recorded as built from ${byDigest.commit}, not ${ref.commit}`);
  }
  const v = byCommit ?? byDigest;
  if (!v) return out('unknown', `version ${ref.commit ?? ref.imageDigest} is not in the catalog: it was never scanned`);
  const verdict = versionVerdict(catalog, v.id, target);
  return out(verdict.verdict, verdict.verdict === 'unknown' ? `no successful scan (${verdict.message})` : verdict.message);
}

function checkTarget(catalog: Catalog, target: VerdictTarget): void {
  if ('findingId' in target && !catalog.sast.getFinding(target.findingId)) {
    throw notFound('FINDING_NOT_FOUND', `choose restore point: no finding ${target.findingId} in the catalog`);
  }
}

export function gatherChooseInput(catalog: Catalog, volume: string, target: VerdictTarget, onUnknown: 'refuse' | 'skip' = 'refuse', allowSuspicious = false): ChooseInput {
  checkTarget(catalog, target);
  const cache = new Map<string, JudgedVersion>();
  const points = catalog.restorePoints.list({ volume });
  const workloads = new Set(catalog.deployments.workloadsMounting(volume));
  for (const p of points) for (const w of p.provenance.workloads) workloads.add(w.workload);
  const deployments = catalog.deployments
    .timeline()
    .filter((d) => workloads.has(d.workload))
    .map((d) => ({
      workload: d.workload,
      startedAt: new Date(d.startedAt),
      endedAt: d.endedAt ? new Date(d.endedAt) : undefined,
      version: judge(catalog, target, cache, { commit: d.commit, imageDigest: d.imageDigest }),
    }));
  return {
    volume,
    target: describeTarget(target),
    workloads: [...workloads],
    deployments,
    restorePoints: points.map((p) => ({
      snapshotId: p.snapshotId,
      time: p.time,
      versions: p.provenance.workloads.map((w) => ({ workload: w.workload, ...judge(catalog, target, cache, w) })),
      suspicion: p.suspicion,
      ...(p.review ? { cleared: { actor: p.review.actor, reason: p.review.reason, at: p.review.at } } : {}),
    })),
    onUnknown,
    allowSuspicious,
  };
}

/** The volume's restore points judged for `securityKeep`. */
export function judgeRestorePoints(catalog: Catalog, volume: string, target: VerdictTarget): JudgedRestorePoint[] {
  checkTarget(catalog, target);
  const cache = new Map<string, JudgedVersion>();
  return catalog.restorePoints.list({ volume }).map((p) => ({
    snapshotId: p.snapshotId,
    time: p.time,
    verdict: pointVerdict(p.provenance.workloads.map((w) => judge(catalog, target, cache, w))),
  }));
}
