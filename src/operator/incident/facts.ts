/**
 * The restore-point choice's facts on Kubernetes. There is no deployment history in a cluster, so
 * it is read from what was observed: each RestorePoint of the PVC records, at its time, which
 * workload ran which image digest (its provenance), and the pods mounting the PVC now say what
 * runs now. A version seen first at observation t went live after the previous observation of
 * that workload, so it is taken to start just after it: the earliest it can have started, which
 * keeps every restore point that might hold its writes out of the candidates. Verdicts come from
 * the Incident: a digest listed vulnerable is vulnerable, listed clean is clean, anything else
 * unknown (and the choice fails closed on it). Pure.
 */
import type { ChooseInput, DeploymentFact, JudgedVersion, RestorePointFact } from '../../policy/restore-point.js';
import type { Suspicion } from '../../policy/change-signals.js';

export interface ObservedVersion {
  workload: string;
  container?: string | undefined;
  image?: string | undefined;
  imageDigest?: string | undefined;
  /** "repo@sha256:…" a node can pull (pullableRef); absent when the kubelet reported a bare digest. */
  imageRef?: string | undefined;
}

export interface Observation {
  snapshotId: string;
  time: Date;
  versions: readonly ObservedVersion[];
  /** The RestorePoint's ransomware-signal judgement, when its backup made one. */
  suspicion?: Suspicion | undefined;
}

export interface FactsInput {
  volume: string;
  target: string;
  points: readonly Observation[];
  /** What mounts the PVC now, at `now`. */
  running: readonly ObservedVersion[];
  now: Date;
  vulnerable: readonly string[];
  clean: readonly string[];
  onUnknown: 'refuse' | 'skip';
  /** spec.allowSuspicious: consider restore points marked suspicious, and those after them. */
  allowSuspicious?: boolean;
}

export function judge(digest: string | undefined, vulnerable: readonly string[], clean: readonly string[]): JudgedVersion {
  if (!digest) return { verdict: 'unknown', why: 'no image digest was recorded for it' };
  if (vulnerable.includes(digest)) return { imageDigest: digest, verdict: 'vulnerable', why: 'listed in spec.vulnerable.imageDigests' };
  if (clean.includes(digest)) return { imageDigest: digest, verdict: 'clean', why: 'listed in spec.clean.imageDigests' };
  return { imageDigest: digest, verdict: 'unknown', why: 'listed neither in spec.vulnerable nor in spec.clean (never judged)' };
}

export function chooseInputFrom(i: FactsInput): ChooseInput {
  const j = (d: string | undefined) => judge(d, i.vulnerable, i.clean);
  const restorePoints: RestorePointFact[] = i.points.map((p) => ({
    snapshotId: p.snapshotId,
    time: p.time,
    versions: p.versions.map((v) => ({ ...j(v.imageDigest), workload: v.workload })),
    suspicion: p.suspicion,
  }));
  // Per workload, its observations in time order; a run of the same digest is one deployment.
  const seen = [...i.points.map((p) => ({ time: p.time, versions: p.versions })), { time: i.now, versions: i.running }].sort((a, b) => a.time.getTime() - b.time.getTime());
  const byWorkload = new Map<string, { time: Date; digest: string | undefined }[]>();
  for (const o of seen)
    for (const w of new Set(o.versions.map((v) => v.workload))) {
      // A workload with several containers is as vulnerable as its worst one: the run key is the sorted digest set.
      const digests = o.versions.filter((v) => v.workload === w).map((v) => v.imageDigest);
      const list = byWorkload.get(w) ?? [];
      for (const d of new Set(digests)) list.push({ time: o.time, digest: d });
      byWorkload.set(w, list);
    }
  const deployments: DeploymentFact[] = [];
  for (const [workload, obs] of byWorkload) {
    const digests = [...new Set(obs.map((o) => o.digest ?? ''))];
    for (const d of digests) {
      const times = obs.filter((o) => (o.digest ?? '') === d).map((o) => o.time.getTime());
      const first = Math.min(...times);
      const before = obs.filter((o) => o.time.getTime() < first).map((o) => o.time.getTime());
      const startedAt = new Date(before.length ? Math.max(...before) + 1 : first);
      deployments.push({ workload, startedAt, version: j(d || undefined) });
    }
  }
  const workloads = [...new Set(i.running.map((v) => v.workload))];
  return { volume: i.volume, target: i.target, workloads, deployments, restorePoints, onUnknown: i.onUnknown, allowSuspicious: !!i.allowSuspicious };
}
