/**
 * Reading what an incident acts on from the operator's watched caches: the workloads of the
 * namespace, the RestorePoints of the PVC (evidence excluded), and what mounts the PVC now.
 */
import type * as k8s from '@kubernetes/client-node';
import { mountingContainers, podsMountingClaim, workloadVersions } from '../../platform/kubernetes/index.js';
import { provenanceSchema } from '../../backup/snapshot/provenance.js';
import { restorePointSpecSchema, type RestorePointStatus } from '../api/index.js';
import type { CustomObject, OperatorContext } from '../context.js';
import type { WorkloadObject } from './affected.js';
import type { ObservedVersion } from './facts.js';
import { EVIDENCE_LABEL } from './names.js';

export interface LiveWorkload extends WorkloadObject {
  obj: k8s.V1Deployment | k8s.V1StatefulSet;
}

export function workloadsIn(ctx: OperatorContext, namespace: string): LiveWorkload[] {
  return [
    ...ctx.caches.deployments.list(namespace).map((w) => ({ kind: 'Deployment' as const, name: w.metadata!.name!, template: w.spec?.template, obj: w })),
    ...ctx.caches.statefulSets.list(namespace).map((w) => ({ kind: 'StatefulSet' as const, name: w.metadata!.name!, template: w.spec?.template, obj: w })),
  ];
}

export function liveWorkload(ctx: OperatorContext, namespace: string, kind: 'Deployment' | 'StatefulSet', name: string): LiveWorkload | undefined {
  const obj = kind === 'Deployment' ? ctx.caches.deployments.get(name, namespace) : ctx.caches.statefulSets.get(name, namespace);
  return obj ? { kind, name, template: obj.spec?.template, obj } : undefined;
}

export interface PointView {
  obj: CustomObject;
  /** "namespace/name". */
  id: string;
  repository: string;
  snapshotId: string;
  time: Date;
  versions: ObservedVersion[];
  suspicion?: RestorePointStatus['suspicion'];
}

/** Recorded RestorePoints (with a snapshot and a time) of `namespace/pvc`, in any namespace, incident evidence excluded; from the cache unless `objects` are given. */
export function restorePointsOf(ctx: OperatorContext, namespace: string, pvc: string, objects: readonly CustomObject[] = ctx.caches.restorePoints.list()): PointView[] {
  const out: PointView[] = [];
  for (const rp of objects) {
    if (rp.metadata?.labels?.[EVIDENCE_LABEL] === 'true' || rp.metadata?.deletionTimestamp) continue;
    const spec = restorePointSpecSchema.safeParse(rp.spec);
    if (!spec.success || spec.data.pvc.namespace !== namespace || spec.data.pvc.name !== pvc) continue;
    const st = (rp.status ?? {}) as RestorePointStatus;
    if (!st.snapshotId || !st.time) continue;
    const prov = provenanceSchema.safeParse(st.provenance ?? {});
    out.push({
      obj: rp,
      id: `${rp.metadata!.namespace}/${rp.metadata!.name}`,
      repository: spec.data.repository,
      snapshotId: st.snapshotId,
      time: new Date(st.time),
      versions: prov.success ? prov.data.workloads : [],
      ...(st.suspicion ? { suspicion: st.suspicion } : {}),
    });
  }
  return out.sort((a, b) => a.time.getTime() - b.time.getTime());
}

export function runningVersions(ctx: OperatorContext, namespace: string, pvc: string): ObservedVersion[] {
  return workloadVersions(mountingContainers(podsMountingClaim(ctx.caches.pods.list(namespace), namespace, pvc)));
}
