/**
 * What an incident on a PVC touches: the Deployments and StatefulSets whose pod template mounts it
 * (read from the template, so a workload scaled to zero still counts), and the CertificatePolicies
 * that serve those workloads — named in the policy's rollout list, or, without one, whose Secret
 * the workload's template uses. Pure.
 */
import type * as k8s from '@kubernetes/client-node';
import { secretUse } from '../../platform/kubernetes/index.js';
import type { CertificatePolicySpec } from '../api/index.js';

export type WorkloadKind = 'Deployment' | 'StatefulSet';

export interface WorkloadObject {
  kind: WorkloadKind;
  name: string;
  template: k8s.V1PodTemplateSpec | undefined;
}

export const mountsClaim = (spec: k8s.V1PodSpec | undefined, claim: string) => (spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim);

export function affectedWorkloads<T extends WorkloadObject>(workloads: readonly T[], claim: string): T[] {
  return workloads.filter((w) => mountsClaim(w.template?.spec, claim)).sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
}

export interface PolicyView {
  name: string;
  spec: Pick<CertificatePolicySpec, 'secretName' | 'rollout'>;
}

export interface PolicyChoice {
  policies: string[];
  reason: 'Named' | 'Matched' | 'NoneMatched';
  message: string;
}

export function affectedCertificatePolicies(policies: readonly PolicyView[], workloads: readonly WorkloadObject[], named?: readonly string[]): PolicyChoice {
  if (named) return { policies: [...named].sort(), reason: 'Named', message: `spec.certificatePolicies names ${named.length ? [...named].sort().join(', ') : 'none'}` };
  const hit = policies.filter((p) =>
    p.spec.rollout.workloads
      ? p.spec.rollout.workloads.some((x) => workloads.some((w) => w.kind === x.kind && w.name === x.name))
      : workloads.some((w) => secretUse(w.template?.spec, p.spec.secretName).mounts),
  );
  const names = hit.map((p) => p.name).sort();
  if (!names.length) return { policies: [], reason: 'NoneMatched', message: `no CertificatePolicy serves ${workloads.map((w) => `${w.kind}/${w.name}`).join(', ') || 'the affected workloads'}` };
  return { policies: names, reason: 'Matched', message: `${names.join(', ')} serve${names.length === 1 ? 's' : ''} the affected workloads` };
}
