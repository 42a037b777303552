/**
 * What a data-mover pod needs to reach its repository, the same for backup, evidence and restore
 * Jobs: the password and S3 keys as secretKeyRef environment variables (never inline), the region,
 * the repository's volume mounted at its path when it lives on one, and the CA bundle that signed
 * the S3 endpoint's certificate when it is a private one (a key of the same Secret, mounted as a
 * file for HOLDFAST_S3_CA_FILE: without it an in-cluster MinIO or versitygw behind a private CA
 * fails every backup with S3_TLS). Pure.
 */
import type * as k8s from '@kubernetes/client-node';
import type { BackupRepositorySpec } from '../api/index.js';

export interface RepositoryAccess {
  env: k8s.V1EnvVar[];
  volumes: k8s.V1Volume[];
  mounts: k8s.V1VolumeMount[];
}

/** Outside /etc/holdfast, where the backup Job's provenance volume is mounted. */
const CA_DIR = '/etc/holdfast-repository-ca';

/** `secretName` is the repository Secret as the pod's namespace holds it (mirrored under another name there). */
export function repositoryAccess(spec: BackupRepositorySpec, secretName: string): RepositoryAccess {
  const creds = spec.credentials;
  const fromSecret = (name: string, key: string | undefined): k8s.V1EnvVar[] => (key ? [{ name, valueFrom: { secretKeyRef: { name: secretName, key, optional: false } } }] : []);
  const env = [
    ...fromSecret('HOLDFAST_PASSWORD', creds.passwordKey),
    ...fromSecret('AWS_ACCESS_KEY_ID', creds.accessKeyIdKey),
    ...fromSecret('AWS_SECRET_ACCESS_KEY', creds.secretAccessKeyKey),
    ...(spec.s3?.region ? [{ name: 'AWS_REGION', value: spec.s3.region }] : []),
  ];
  const volumes: k8s.V1Volume[] = [];
  const mounts: k8s.V1VolumeMount[] = [];
  if (spec.volume) {
    volumes.push({ name: 'repository', persistentVolumeClaim: { claimName: spec.volume.claimName } });
    mounts.push({ name: 'repository', mountPath: spec.url });
  }
  if (creds.caKey) {
    volumes.push({ name: 'repository-ca', secret: { secretName, items: [{ key: creds.caKey, path: 'ca.crt' }] } });
    mounts.push({ name: 'repository-ca', mountPath: CA_DIR, readOnly: true });
    env.push({ name: 'HOLDFAST_S3_CA_FILE', value: `${CA_DIR}/ca.crt` });
  }
  return { env, volumes, mounts };
}
