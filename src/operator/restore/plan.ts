/**
 * Where a Restore goes and whether it may start: the target namespace (explicit, mapped, or the
 * source's), the target PVC (the original in place, or a new one), its StorageClass and size, and
 * the refusals that protect data: no in-place restore while a pod still mounts the PVC, and no
 * overwriting a PVC that exists but was not created for this Restore. Pure.
 */
import type * as k8s from '@kubernetes/client-node';
import type { RestoreSpec } from '../api/index.js';

export interface RestoreTarget {
  namespace: string;
  pvc: string;
  create?: { storageClassName?: string; size: string };
}

export type RestorePlan =
  | { ok: true; target: RestoreTarget; reason: 'Planned'; message: string }
  | { ok: false; reason: 'InvalidSpec' | 'VolumeInUse' | 'TargetExists'; message: string };

export interface PlanInput {
  restoreName: string;
  spec: RestoreSpec;
  source: { namespace: string; pvc: string };
  sourcePvc?: k8s.V1PersistentVolumeClaim;
  /** The target PVC as it exists now, if it does. */
  existing?: k8s.V1PersistentVolumeClaim;
  /** Pods that mount the target PVC now. */
  mountedBy: string[];
}

export const RESTORE_LABEL = 'holdfast.dev/restore';

export function planRestore(i: PlanInput): RestorePlan {
  const t = i.spec.target;
  const namespace = t.namespace ?? i.spec.namespaceMapping?.[i.source.namespace] ?? i.source.namespace;
  if (t.mode === 'InPlace') {
    if (namespace !== i.source.namespace) return { ok: false, reason: 'InvalidSpec', message: 'an InPlace restore cannot change the namespace; use mode NewPVC' };
    if (i.mountedBy.length)
      return { ok: false, reason: 'VolumeInUse', message: `PVC ${namespace}/${i.source.pvc} is mounted by ${i.mountedBy.join(', ')}: scale the workload down first` };
    return { ok: true, reason: 'Planned', target: { namespace, pvc: i.source.pvc }, message: `restore in place into ${namespace}/${i.source.pvc}` };
  }
  if (!t.pvcName) return { ok: false, reason: 'InvalidSpec', message: 'target.pvcName is required for mode NewPVC' };
  if (i.existing && i.existing.metadata?.labels?.[RESTORE_LABEL] !== i.restoreName)
    return { ok: false, reason: 'TargetExists', message: `PVC ${namespace}/${t.pvcName} already exists and was not created by this Restore` };
  const srcClass = i.sourcePvc?.spec?.storageClassName;
  const storageClassName = t.storageClassName ?? (srcClass ? (i.spec.storageClassMapping?.[srcClass] ?? srcClass) : undefined);
  const size = t.size ?? i.sourcePvc?.spec?.resources?.requests?.storage ?? '1Gi';
  return {
    ok: true,
    reason: 'Planned',
    target: { namespace, pvc: t.pvcName, create: { size, ...(storageClassName ? { storageClassName } : {}) } },
    message: `restore into new PVC ${namespace}/${t.pvcName} (${size}${storageClassName ? `, ${storageClassName}` : ''})`,
  };
}
