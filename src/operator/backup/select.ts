/**
 * Which PVCs a policy backs up: those in the selected namespaces (the policy's own when none are
 * named) whose labels match, excluding PVCs being deleted and the clones Holdfast itself creates
 * from VolumeSnapshots (backing those up would back up every backup).
 */
import type * as k8s from '@kubernetes/client-node';
import type { BackupPolicySpec } from '../api/index.js';

export const CLONE_LABEL = 'holdfast.dev/clone';

export interface Selection {
  pvcs: k8s.V1PersistentVolumeClaim[];
  reason: 'Selected' | 'NoVolumesSelected';
  message: string;
}

export function selectPvcs(policyNamespace: string, selector: BackupPolicySpec['selector'], pvcs: readonly k8s.V1PersistentVolumeClaim[]): Selection {
  const namespaces = selector.namespaces?.length ? selector.namespaces : [policyNamespace];
  const wanted = new Set(namespaces);
  const labels = Object.entries(selector.matchLabels ?? {});
  const out = pvcs
    .filter((p) => wanted.has(p.metadata?.namespace ?? ''))
    .filter((p) => !p.metadata?.deletionTimestamp && p.metadata?.labels?.[CLONE_LABEL] === undefined)
    .filter((p) => labels.every(([k, v]) => p.metadata?.labels?.[k] === v))
    .sort((a, b) => `${a.metadata!.namespace}/${a.metadata!.name}`.localeCompare(`${b.metadata!.namespace}/${b.metadata!.name}`));
  const where = `namespace${namespaces.length > 1 ? 's' : ''} ${namespaces.join(', ')}`;
  const sel = labels.length ? ` with labels ${labels.map(([k, v]) => `${k}=${v}`).join(',')}` : '';
  if (out.length === 0)
    return { pvcs: out, reason: 'NoVolumesSelected', message: `no PVC in ${where}${sel} matches this policy` };
  return { pvcs: out, reason: 'Selected', message: `${out.length} PVC${out.length > 1 ? 's' : ''} in ${where}${sel}` };
}
