/**
 * The restore data-mover Job: `holdfast restore <snapshot> --target /data --overwrite [--delete] --verify`
 * with the target PVC at /data, the repository reached as every data mover reaches it
 * (datamover/repository-access.ts), and the data mover's security contexts (datamover/security.ts).
 */
import type * as k8s from '@kubernetes/client-node';
import type { BackupRepositorySpec, DataMoverSettings } from '../api/index.js';
import { repositoryAccess } from '../datamover/repository-access.js';
import { dataMoverResources } from '../datamover/resources.js';
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
  const access = repositoryAccess(i.repository, i.secretName);
  const labels = { 'app.kubernetes.io/managed-by': 'holdfast', [RESTORE_LABEL]: i.restore };
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
            args: ['restore', i.snapshot, '--target', '/data', '--repo', i.repository.url, '--overwrite', ...(i.mode === 'InPlace' ? ['--delete'] : []), '--verify', '--json'],
            env: [{ name: 'HOME', value: '/tmp' }, ...access.env],
            volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'tmp', mountPath: '/tmp' }, ...access.mounts],
            securityContext: security.container,
            resources: dataMoverResources(i.security),
          }],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: i.pvc } }, { name: 'tmp', emptyDir: {} }, ...access.volumes],
        },
      },
    },
  };
}
