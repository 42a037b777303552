/**
 * What runs against a volume: the pods that mount a PVC, the workload that owns each pod, and the
 * image digests the kubelet reports. These become a snapshot's provenance, so SAST-aware restore can
 * tell which application version wrote the data. Pure functions over API objects.
 */
import type * as k8s from '@kubernetes/client-node';

export interface MountingContainer {
  /** "namespace/Kind/name" of the owning workload (Deployment, StatefulSet, ...), or "namespace/Pod/name". */
  workload: string;
  pod: string;
  container: string;
  image?: string;
  /** "sha256:<64 hex>" from status.containerStatuses[].imageID, when the kubelet reported one. */
  imageDigest?: string;
  /** "repo@sha256:<64 hex>": a reference a node can pull, when imageID named the repository (see pullableRef). */
  imageRef?: string;
}

export function podsMountingClaim(pods: readonly k8s.V1Pod[], namespace: string, claim: string): k8s.V1Pod[] {
  return pods.filter(
    (p) =>
      p.metadata?.namespace === namespace &&
      p.status?.phase !== 'Succeeded' &&
      p.status?.phase !== 'Failed' &&
      (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim),
  );
}

/** imageID is "docker-pullable://repo@sha256:…", "repo@sha256:…" or "sha256:…" depending on the runtime. */
export function imageDigest(imageID: string | undefined): string | undefined {
  const m = /(sha256:[0-9a-f]{64})$/.exec(imageID ?? '');
  return m?.[1];
}

/**
 * The reference the digest can be pulled by: "repo@sha256:…" from "docker-pullable://repo@sha256:…"
 * or "repo@sha256:…". A bare "sha256:…" (containerd for an image without a registry digest, e.g. one
 * imported with `ctr`) is the image's config digest: it identifies the image but no registry serves a
 * manifest by it, so `repo@<config digest>` fails with ErrImagePull. Undefined then.
 */
export function pullableRef(imageID: string | undefined): string | undefined {
  const m = /^(?:docker-pullable:\/\/)?([^\s@/:][^\s@]*@sha256:[0-9a-f]{64})$/.exec(imageID ?? '');
  return m?.[1];
}

/** The workload a pod belongs to; a ReplicaSet created by a Deployment is reported as the Deployment. */
export function workloadOf(pod: k8s.V1Pod): string {
  const ns = pod.metadata?.namespace ?? '';
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
  if (!owner) return `${ns}/Pod/${pod.metadata?.name}`;
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`))
    return `${ns}/Deployment/${owner.name.slice(0, -hash.length - 1)}`;
  return `${ns}/${owner.kind}/${owner.name}`;
}

export function mountingContainers(pods: readonly k8s.V1Pod[]): MountingContainer[] {
  const out: MountingContainer[] = [];
  for (const pod of pods) {
    const statuses = new Map((pod.status?.containerStatuses ?? []).map((s) => [s.name, s]));
    for (const c of pod.spec?.containers ?? []) {
      const s = statuses.get(c.name);
      const digest = imageDigest(s?.imageID);
      const ref = pullableRef(s?.imageID);
      out.push({
        workload: workloadOf(pod),
        pod: pod.metadata?.name ?? '',
        container: c.name,
        image: c.image,
        ...(digest ? { imageDigest: digest } : {}),
        ...(ref ? { imageRef: ref } : {}),
      });
    }
  }
  return out;
}

/** Which version of each workload's container runs against a volume: no pod name, once per version. */
export type WorkloadVersion = Omit<MountingContainer, 'pod'>;

/**
 * The distinct versions among `containers`: three replicas of one version are one entry, and a
 * rollout caught mid-way gives one entry per version (old and new), never one per pod.
 */
export function workloadVersions(containers: readonly MountingContainer[]): WorkloadVersion[] {
  const seen = new Map<string, WorkloadVersion>();
  for (const { pod: _pod, ...v } of containers) {
    const key = JSON.stringify([v.workload, v.container, v.image, v.imageDigest, v.imageRef]);
    if (!seen.has(key)) seen.set(key, v);
  }
  return [...seen.values()];
}
