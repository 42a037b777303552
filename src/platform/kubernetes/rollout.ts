/**
 * Workloads and the Secrets they mount: which Deployments/StatefulSets read a Secret (volume,
 * projected volume, env or envFrom), whether through a `subPath` (the kubelet never refreshes a
 * subPath mount, so only a restart delivers a new certificate), and whether a rollout has finished.
 * Pure functions over API objects.
 */
import type * as k8s from '@kubernetes/client-node';

export interface SecretUse {
  mounts: boolean;
  /** Volume mounts of the Secret's volume that use subPath: "container:/path". */
  subPaths: string[];
}

export function secretUse(spec: k8s.V1PodSpec | undefined, secretName: string): SecretUse {
  const vols = new Set(
    (spec?.volumes ?? [])
      .filter((v) => v.secret?.secretName === secretName || v.projected?.sources?.some((s) => s.secret?.name === secretName))
      .map((v) => v.name),
  );
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  const viaEnv = containers.some(
    (c) => c.env?.some((e) => e.valueFrom?.secretKeyRef?.name === secretName) || c.envFrom?.some((e) => e.secretRef?.name === secretName),
  );
  const subPaths = containers.flatMap((c) =>
    (c.volumeMounts ?? []).filter((m) => vols.has(m.name) && (m.subPath || m.subPathExpr)).map((m) => `${c.name}:${m.mountPath}`),
  );
  return { mounts: vols.size > 0 || viaEnv, subPaths };
}

export type Workload = (k8s.V1Deployment | k8s.V1StatefulSet) & { kind?: string };

/** The controller has seen the latest template and every replica runs it and is ready. */
export function rolloutComplete(w: Workload): boolean {
  const s = w.status;
  const want = w.spec?.replicas ?? 1;
  if (!s || (s.observedGeneration ?? 0) < (w.metadata?.generation ?? 0)) return false;
  return (s.updatedReplicas ?? 0) >= want && (s.readyReplicas ?? 0) >= want && (s.replicas ?? 0) <= want;
}
