/**
 * The security contexts of a data-mover pod (backup, evidence and restore Jobs alike). The default
 * passes Pod Security `restricted`, so Holdfast works in a namespace that enforces it: non-root
 * (the image's uid 10001), seccomp RuntimeDefault, no privilege escalation, every capability dropped,
 * a read-only root filesystem. No fsGroup by default: the kubelet would chown the volume being
 * backed up. A policy's `dataMover` settings are merged over this, field by field; capabilities are
 * added to the drop of ALL, never instead of it. Pure.
 *
 * What the default cannot do, by design: read files its uid may not read (a database volume owned
 * by uid 999, mode 0700) or give restored files back their owners. docs/kubernetes.md ("Data mover
 * security") says which settings do, and what Pod Security level each needs.
 */
import type * as k8s from '@kubernetes/client-node';
import type { DataMoverSettings } from '../api/index.js';

/** The image's user (Dockerfile: useradd --uid 10001). */
export const DATA_MOVER_UID = 10001;

export interface DataMoverSecurity {
  pod: k8s.V1PodSecurityContext;
  container: k8s.V1SecurityContext;
}

export function dataMoverSecurity(settings: DataMoverSettings | undefined): DataMoverSecurity {
  const p = settings?.podSecurityContext ?? {};
  const c = settings?.securityContext ?? {};
  const pod: k8s.V1PodSecurityContext = {
    runAsNonRoot: true,
    runAsUser: DATA_MOVER_UID,
    runAsGroup: DATA_MOVER_UID,
    seccompProfile: { type: 'RuntimeDefault' },
    ...p,
  };
  const { capabilities, ...containerIds } = c;
  const container: k8s.V1SecurityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'], ...(capabilities?.add?.length ? { add: [...new Set(capabilities.add)] } : {}) },
    ...containerIds,
  };
  // Running as root was asked for: the default runAsNonRoot would make the kubelet refuse to start
  // the pod, so it goes unless the user set it themselves.
  const uid = container.runAsUser ?? pod.runAsUser;
  if (uid === 0) {
    if (p.runAsNonRoot === undefined) delete pod.runAsNonRoot;
    if (c.runAsNonRoot === undefined) delete container.runAsNonRoot;
  }
  return { pod, container };
}
