/**
 * Node placement (`dataMover.placement: Node`), the answer of Velero's node agent to a volume whose
 * namespace enforces Pod Security `restricted`: the data mover runs in Holdfast's own namespace
 * (which allows privileged pods), pinned to the node of a pod that mounts the PVC, and reaches the
 * volume through the host, where the kubelet mounted it for that pod. It runs as uid 0 with only
 * the capabilities the direction needs, so it reads every file whatever its owner and mode, and
 * gives restored files their owners back, while the volume's namespace admits nothing but
 * `restricted` pods.
 *
 * Terms:
 * - the volume's pod: a running pod that mounts the PVC: the application's for a backup, a holder
 *   (a restricted pod Holdfast starts that only sleeps) for a restore into a PVC nothing mounts;
 * - the volume directory: where the kubelet has the PersistentVolume mounted for that pod
 *   (`volumeDirOnNode`), mounted into the data mover as a hostPath.
 *
 * Pure; the controllers do the I/O.
 */
import type * as k8s from '@kubernetes/client-node';
import type { DataMoverSettings } from '../api/index.js';
import { dataMoverSecurity, DATA_MOVER_UID, type DataMoverSecurity } from './security.js';

/** Where kubelets keep their state unless started with another --root-dir (operator flag --kubelet-dir). */
export const DEFAULT_KUBELET_DIR = '/var/lib/kubelet';
/** On holder pods: the Restore (or backup item) they hold the volume for. */
export const HOLDER_LABEL = 'holdfast.dev/holder';

export type Placement = 'Namespace' | 'Node';
export const placementOf = (s: DataMoverSettings | undefined): Placement => s?.placement ?? 'Namespace';

export type Resolved<T> = { ok: true; value: T } | { ok: false; reason: string; message: string };

/**
 * Where the kubelet has `pv` mounted for the pod `podUid`: `<kubelet dir>/pods/<uid>/volumes/
 * <plugin name, "/" written "~">/<PV name>` (plus `/mount` for CSI, whose plugin keeps its
 * metadata beside it); a hostPath PV is the host path itself, which the kubelet binds into the
 * container unchanged and never mounts under pods/.
 */
export function volumeDirOnNode(pv: k8s.V1PersistentVolume, podUid: string, kubeletDir: string): Resolved<string> {
  const name = pv.metadata?.name ?? '';
  const s = pv.spec ?? {};
  if (s.volumeMode === 'Block') return { ok: false, reason: 'UnsupportedVolume', message: `PersistentVolume ${name} is a raw block device: the data mover backs up filesystems` };
  const under = (plugin: string, tail = '') => ({ ok: true as const, value: `${kubeletDir.replace(/\/+$/, '')}/pods/${podUid}/volumes/${plugin}/${name}${tail}` });
  if (s.hostPath?.path) return { ok: true, value: s.hostPath.path };
  if (s.local?.path) return under('kubernetes.io~local-volume');
  if (s.csi) return under('kubernetes.io~csi', '/mount');
  if (s.nfs) return under('kubernetes.io~nfs');
  const kind = Object.keys(s).find((k) => !['accessModes', 'capacity', 'claimRef', 'mountOptions', 'nodeAffinity', 'persistentVolumeReclaimPolicy', 'storageClassName', 'volumeMode', 'volumeAttributesClassName'].includes(k));
  return { ok: false, reason: 'UnsupportedVolume', message: `PersistentVolume ${name} (${kind ?? 'no volume source'}): node placement reads hostPath, local, CSI and NFS volumes` };
}

/**
 * The pod through which a node-placed data mover reaches the volume: of `pods` (those that mount the
 * PVC), one the kubelet runs now and that is not going away; the same one each time (by name).
 */
export function volumePod(pods: readonly k8s.V1Pod[]): { name: string; uid: string; nodeName: string } | undefined {
  const p = [...pods]
    .filter((x) => x.status?.phase === 'Running' && x.spec?.nodeName && x.metadata?.uid && !x.metadata.deletionTimestamp)
    .sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!))[0];
  return p ? { name: p.metadata!.name!, uid: p.metadata!.uid!, nodeName: p.spec!.nodeName! } : undefined;
}

/**
 * Why node placement cannot serve this policy, if it cannot: a snapshot clone has no pod that mounts
 * it, and a repository on a PVC lives in the volume's namespace, where Holdfast's pod cannot mount it.
 */
export function nodePlacementProblem(i: { snapshotMode: 'Direct' | 'Snapshot'; repositoryOnVolume: boolean }): string | undefined {
  if (i.snapshotMode === 'Snapshot') return 'placement Node reads the volume through a pod that mounts it, and a snapshot clone has none: use snapshot mode Direct';
  if (i.repositoryOnVolume) return 'placement Node runs the data mover in Holdfast\'s namespace, which cannot mount a repository on a PVC of another namespace: use a repository on S3';
  return undefined;
}

/** Read: search and read any entry (the mount is read-only). Write: give entries their owners, modes and setuid bits. */
const CAPABILITIES = { read: ['DAC_READ_SEARCH'], write: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID'] } as const;

/**
 * Root with only the capabilities the direction needs; the policy's own capability additions (SETFCAP
 * for file capabilities, say) on top. The volume is a hostPath, which the kubelet never re-owns, so
 * an fsGroup would do nothing but mislead: dropped.
 */
export function nodeMoverSecurity(access: 'read' | 'write', s: DataMoverSettings | undefined): DataMoverSecurity {
  const { fsGroup: _g, fsGroupChangePolicy: _p, ...pod } = s?.podSecurityContext ?? {};
  return dataMoverSecurity({
    podSecurityContext: { ...pod, runAsUser: 0, runAsGroup: 0 },
    securityContext: { ...s?.securityContext, runAsUser: 0, runAsGroup: 0, capabilities: { add: [...CAPABILITIES[access], ...(s?.securityContext?.capabilities?.add ?? [])] } },
  });
}

export interface NodePlacement {
  /** Holdfast's namespace. */
  namespace: string;
  nodeName: string;
  volumeDir: string;
  access: 'read' | 'write';
  settings: DataMoverSettings | undefined;
}

/**
 * `job` (a data-mover Job as it would run in the volume's namespace, its volume named "data") moved
 * to Holdfast's namespace and the volume's node, the volume directory in place of the PVC. No mount
 * propagation: the bind taken when the pod starts keeps the volume for the whole run, where a
 * propagated unmount (the application's pod going away) would leave the empty directory beneath it to
 * be backed up as if the volume were empty.
 */
export function placeOnNode(job: k8s.V1Job, p: NodePlacement): k8s.V1Job {
  const pod = job.spec!.template.spec!;
  const security = nodeMoverSecurity(p.access, p.settings);
  const { serviceAccountName: _sa, ...rest } = pod;
  return {
    ...job,
    metadata: { ...job.metadata, namespace: p.namespace },
    spec: {
      ...job.spec,
      template: {
        ...job.spec!.template,
        spec: {
          ...rest,
          nodeName: p.nodeName,
          securityContext: security.pod,
          containers: pod.containers.map((c) => ({ ...c, securityContext: security.container })),
          volumes: (pod.volumes ?? []).map((v) => (v.name === 'data' ? { name: 'data', hostPath: { path: p.volumeDir, type: 'Directory' } } : v)),
        },
      },
    },
  };
}

/**
 * A pod that only holds `claimName` mounted (read-write: the restore writes through its mount), so
 * that the kubelet mounts the volume where a node-placed data mover can reach it. Everything Pod
 * Security `restricted` asks, no service account token, the Holdfast image (every node has it: the
 * data mover runs it) sleeping as its non-root user, and the smallest request.
 */
export function holderPod(i: { name: string; namespace: string; claimName: string; image: string; labels: Record<string, string> }): k8s.V1Pod {
  return {
    metadata: { name: i.name, namespace: i.namespace, labels: i.labels },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 1,
      securityContext: { runAsNonRoot: true, runAsUser: DATA_MOVER_UID, runAsGroup: DATA_MOVER_UID, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'holder',
          image: i.image,
          command: ['sleep', 'infinity'],
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          resources: { requests: { cpu: '1m', memory: '8Mi' } },
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: i.claimName } }],
    },
  };
}
