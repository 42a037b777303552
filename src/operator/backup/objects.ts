/**
 * The objects a backup run creates, with deterministic names (hash of policy, run and PVC), so
 * creating one twice is a 409 the controller ignores, never a duplicate. The data mover gets the
 * repository password only as a secretKeyRef env var and its provenance through the downward API
 * (a pod annotation projected as a file), so nothing secret or large is inlined in a command line.
 */
import { createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import type { Provenance } from '../../backup/snapshot/provenance.js';
import type { BackupPolicySpec, BackupRepositorySpec, DataMoverSettings } from '../api/index.js';
import { repositoryAccess } from '../datamover/repository-access.js';
import { dataMoverResources } from '../datamover/resources.js';
import { dataMoverSecurity } from '../datamover/security.js';
import { CLONE_LABEL } from './select.js';

export const L = {
  managedBy: 'app.kubernetes.io/managed-by',
  policy: 'holdfast.dev/policy',
  policyNamespace: 'holdfast.dev/policy-namespace',
  run: 'holdfast.dev/run',
  pvc: 'holdfast.dev/pvc',
} as const;
export const A = {
  provenance: 'holdfast.dev/provenance',
  postHooks: 'holdfast.dev/post-hooks',
  pvcNamespace: 'holdfast.dev/pvc-namespace',
} as const;

export interface ItemRef {
  policyNamespace: string;
  policy: string;
  runId: string;
  namespace: string;
  pvc: string;
}

const hash = (r: ItemRef) => createHash('sha256').update(`${r.policyNamespace}/${r.policy}/${r.runId}/${r.namespace}/${r.pvc}`).digest('hex').slice(0, 10);
const stem = (s: string, n: number) => s.replace(/[^a-z0-9-]/g, '-').slice(0, n).replace(/-+$/, '');

export const names = {
  job: (r: ItemRef) => `hfb-${stem(r.pvc, 40)}-${hash(r)}`,
  snapshot: (r: ItemRef) => `hfs-${stem(r.pvc, 40)}-${hash(r)}`,
  clone: (r: ItemRef) => `hfc-${stem(r.pvc, 40)}-${hash(r)}`,
  restorePoint: (r: ItemRef) => `${stem(r.pvc, 30)}-${stem(r.runId, 14)}-${hash(r)}`,
  repoSecret: (repo: string) => `holdfast-repo-${stem(repo, 40)}`,
  /** In Holdfast's namespace, where node-placed data movers of every namespace's repositories meet. */
  nodeRepoSecret: (namespace: string, repo: string) =>
    `holdfast-repo-${stem(`${namespace}-${repo}`, 40)}-${createHash('sha256').update(`${namespace}/${repo}`).digest('hex').slice(0, 8)}`,
};

export function labels(r: ItemRef): Record<string, string> {
  return { [L.managedBy]: 'holdfast', [L.policy]: r.policy, [L.policyNamespace]: r.policyNamespace, [L.run]: r.runId, [L.pvc]: stem(r.pvc, 63) };
}

export function volumeSnapshot(r: ItemRef, spec: BackupPolicySpec): Record<string, unknown> {
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: { name: names.snapshot(r), namespace: r.namespace, labels: labels(r) },
    spec: {
      source: { persistentVolumeClaimName: r.pvc },
      ...(spec.snapshot.volumeSnapshotClassName ? { volumeSnapshotClassName: spec.snapshot.volumeSnapshotClassName } : {}),
    },
  };
}

export function clonePvc(r: ItemRef, spec: BackupPolicySpec, source: k8s.V1PersistentVolumeClaim, restoreSize?: string): k8s.V1PersistentVolumeClaim {
  const storageClassName = spec.snapshot.storageClassName ?? source.spec?.storageClassName;
  return {
    metadata: { name: names.clone(r), namespace: r.namespace, labels: { ...labels(r), [CLONE_LABEL]: 'true' } },
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(storageClassName ? { storageClassName } : {}),
      resources: { requests: { storage: restoreSize ?? source.spec?.resources?.requests?.storage ?? '1Gi' } },
      dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: names.snapshot(r) },
    },
  };
}

export interface JobInput {
  ref: ItemRef;
  claimName: string;
  repository: { name: string; spec: BackupRepositorySpec; secretName: string };
  provenance: Provenance;
  tags: string[];
  image: string;
  postHooksPending: boolean;
  serviceAccountName?: string;
  security?: DataMoverSettings | undefined;
  /** The policy's failOnUnreadable: an entry the data mover cannot read fails the Job. */
  failOnUnreadable?: boolean | undefined;
  /** The policy's changeSignals thresholds, given to the engine that judges the backup. */
  changeSignals?: Record<string, unknown> | undefined;
}

/** The data mover writes its JSON summary to the termination message, which the controller reads. */
const SCRIPT = 'holdfast "$@" > /dev/termination-log; rc=$?; cat /dev/termination-log; exit $rc';

export function dataMoverJob(i: JobInput): k8s.V1Job {
  const { ref, repository: repo } = i;
  const prov = JSON.stringify(i.provenance);
  const volumes: k8s.V1Volume[] = [
    { name: 'data', persistentVolumeClaim: { claimName: i.claimName, readOnly: true } },
    { name: 'provenance', downwardAPI: { items: [{ path: 'provenance.json', fieldRef: { fieldPath: `metadata.annotations['${A.provenance}']` } }] } },
    { name: 'tmp', emptyDir: {} },
  ];
  const mounts: k8s.V1VolumeMount[] = [
    { name: 'data', mountPath: '/data', readOnly: true },
    { name: 'provenance', mountPath: '/etc/holdfast', readOnly: true },
    // The root filesystem is read-only; the engine's scratch space (and HOME) is an emptyDir.
    { name: 'tmp', mountPath: '/tmp' },
  ];
  const access = repositoryAccess(repo.spec, repo.secretName);
  volumes.push(...access.volumes);
  mounts.push(...access.mounts);
  const security = dataMoverSecurity(i.security);
  const args = ['backup', '/data', '--repo', repo.spec.url, '--provenance', '/etc/holdfast/provenance.json', '--json'];
  for (const t of i.tags) args.push('--tag', t);
  if (i.failOnUnreadable) args.push('--fail-on-unreadable');
  if (i.changeSignals) args.push('--change-signals', JSON.stringify(i.changeSignals));
  const meta = { labels: labels(ref), annotations: { [A.provenance]: prov, [A.pvcNamespace]: ref.namespace } };
  return {
    metadata: {
      name: names.job(ref),
      namespace: ref.namespace,
      ...meta,
      annotations: { ...meta.annotations, ...(i.postHooksPending ? { [A.postHooks]: 'pending' } : {}) },
    },
    spec: {
      backoffLimit: 1,
      ttlSecondsAfterFinished: 7 * 86_400,
      template: {
        metadata: meta,
        spec: {
          restartPolicy: 'Never',
          // A stable host name: `holdfast forget` groups snapshots by volume, host and paths, and a
          // pod name per Job would put every snapshot in a group of its own.
          hostname: 'holdfast-data-mover',
          ...(i.serviceAccountName ? { serviceAccountName: i.serviceAccountName } : {}),
          automountServiceAccountToken: false,
          securityContext: security.pod,
          containers: [
            {
              name: 'data-mover',
              image: i.image,
              command: ['/bin/sh', '-c', SCRIPT, 'holdfast-data-mover'],
              args,
              env: [{ name: 'HOME', value: '/tmp' }, ...access.env],
              volumeMounts: mounts,
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              securityContext: security.container,
              resources: dataMoverResources(i.security),
            },
          ],
          volumes,
        },
      },
    },
  };
}

export type JobState = 'Running' | 'Succeeded' | 'Failed';

/**
 * The Job's state, and how many of its pods failed: a pod killed mid-backup (deleted, evicted,
 * OOM-killed, its node lost) is retried by the Job controller up to backoffLimit, and the run says so.
 */
export function jobState(job: k8s.V1Job): { state: JobState; message?: string; failedAttempts: number } {
  const cond = (t: string) => job.status?.conditions?.find((c) => c.type === t && c.status === 'True');
  const failedAttempts = job.status?.failed ?? 0;
  if (cond('Complete') || (job.status?.succeeded ?? 0) > 0) return { state: 'Succeeded', failedAttempts };
  const failed = cond('Failed');
  if (failed) return { state: 'Failed', message: [failed.reason, failed.message].filter(Boolean).join(': '), failedAttempts };
  return { state: 'Running', failedAttempts };
}
