/**
 * The restore data-mover Job: `holdfast restore <snapshot> --target /data --overwrite [--delete] --verify`
 * with the target PVC at /data, the repository's volume at its path when it lives on one, the
 * password from a secretKeyRef, and the data mover's security contexts (datamover/security.ts).
 */
import type * as k8s from '@kubernetes/client-node';
import type { BackupRepositorySpec, DataMoverSettings } from '../api/index.js';
import { repositoryVolume } from '../backup/objects.js';
import { dataMoverSecurity } from '../datamover/security.js';
import { RESTORE_LABEL } from './plan.js';

interface RestoreJobInput {
  name: string;
  namespace: string;
  pvc: string;
  snapshot: string;
  repository: BackupRepositorySpec;
  secretName: string;
  image: string;
  restore: string;
  mode: 'InPlace' | 'NewPVC';
  security: DataMoverSettings | undefined;
}

export function restoreJob(i: RestoreJobInput): k8s.V1Job {
  const { credentials: creds, url } = i.repository;
  const env: k8s.V1EnvVar[] = [{ name: 'HOME', value: '/tmp' }, { name: 'HOLDFAST_PASSWORD', valueFrom: { secretKeyRef: { name: i.secretName, key: creds.passwordKey } } }];
  if (creds.accessKeyIdKey) env.push({ name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: i.secretName, key: creds.accessKeyIdKey } } });
  if (creds.secretAccessKeyKey) env.push({ name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: i.secretName, key: creds.secretAccessKeyKey } } });
  if (i.repository.s3?.region) env.push({ name: 'AWS_REGION', value: i.repository.s3.region });
  const labels = { 'app.kubernetes.io/managed-by': 'holdfast', [RESTORE_LABEL]: i.restore };
  const repoVolume = repositoryVolume(i.repository);
  const security = dataMoverSecurity(i.security);
  return {
    metadata: { name: i.name, namespace: i.namespace, labels },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: security.pod,
          containers: [{
            name: 'data-mover', image: i.image,
            // In place the PVC becomes exactly the restore point (what a later version added goes); either way the Job
            // fails unless the volume then matches the snapshot's manifest.
            args: ['restore', i.snapshot, '--target', '/data', '--repo', url, '--overwrite', ...(i.mode === 'InPlace' ? ['--delete'] : []), '--verify', '--json'],
            env,
            volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'tmp', mountPath: '/tmp' }, ...repoVolume.mounts],
            securityContext: security.container,
          }],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: i.pvc } }, { name: 'tmp', emptyDir: {} }, ...repoVolume.volumes],
        },
      },
    },
  };
}
