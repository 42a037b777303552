import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataMoverJob } from '../backup/objects.js';
import { restoreJob } from './job.js';

const base = {
  name: 'hfr-x', namespace: 'shop', pvc: 'data-restored', snapshot: 'abcd1234', secretName: 'repo-creds', image: 'holdfast:1', restore: 'r1', mode: 'NewPVC' as const, security: undefined,
};
const pathRepo = { url: '/repo', credentials: { secretName: 'repo-creds', passwordKey: 'password' }, volume: { claimName: 'backups' } };

test('a restore from a repository on a volume mounts that volume at the repository path', () => {
  const pod = restoreJob({ ...base, repository: pathRepo }).spec!.template.spec!;
  assert.deepEqual(pod.volumes!.find((v) => v.name === 'repository'), { name: 'repository', persistentVolumeClaim: { claimName: 'backups' } });
  assert.deepEqual(pod.containers[0]!.volumeMounts!.find((m) => m.name === 'repository'), { name: 'repository', mountPath: '/repo' });
  assert.deepEqual(pod.containers[0]!.args!.slice(0, 6), ['restore', 'abcd1234', '--target', '/data', '--repo', '/repo']);
});

test('a restore from S3 mounts no repository volume and passes the region', () => {
  const pod = restoreJob({ ...base, repository: { url: 's3:https://s3.example/bucket', s3: { region: 'eu-1' }, credentials: { secretName: 'repo-creds', passwordKey: 'password', accessKeyIdKey: 'id', secretAccessKeyKey: 'secret' } } }).spec!.template.spec!;
  assert.equal(pod.volumes!.some((v) => v.name === 'repository'), false);
  assert.deepEqual(pod.containers[0]!.env!.map((e) => e.name), ['HOME', 'HOLDFAST_PASSWORD', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']);
});

test('the restore Job carries the restricted defaults and a per-policy override', () => {
  const plain = restoreJob({ ...base, repository: pathRepo }).spec!.template.spec!;
  assert.deepEqual(plain.securityContext!.seccompProfile, { type: 'RuntimeDefault' });
  assert.equal(plain.securityContext!.runAsNonRoot, true);
  assert.deepEqual(plain.containers[0]!.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  const owned = restoreJob({ ...base, repository: pathRepo, security: { podSecurityContext: { runAsUser: 999, fsGroup: 999 } } }).spec!.template.spec!;
  assert.equal(owned.securityContext!.runAsUser, 999);
  assert.equal(owned.securityContext!.fsGroup, 999);
});

test('a repository behind a private CA: the backup and the restore Job both trust the bundle from the repository Secret', () => {
  const repository = { url: 's3:https://minio.storage.svc:9000/backups', credentials: { secretName: 'repo-creds', passwordKey: 'password', caKey: 'ca.crt' } };
  const restorePod = restoreJob({ ...base, repository }).spec!.template.spec!;
  const backupPod = dataMoverJob({
    ref: { policyNamespace: 'shop', policy: 'p', runId: 'r', namespace: 'shop', pvc: 'data' }, claimName: 'data', provenance: { workloads: [], hooks: [], labels: {} },
    repository: { name: 'main', secretName: 'holdfast-repo-main', spec: repository }, tags: [], image: 'holdfast:1', postHooksPending: false,
  }).spec!.template.spec!;
  for (const [pod, secretName] of [[restorePod, 'repo-creds'], [backupPod, 'holdfast-repo-main']] as const) {
    const c = pod.containers[0]!;
    assert.deepEqual(pod.volumes!.find((v) => v.name === 'repository-ca'), { name: 'repository-ca', secret: { secretName, items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    const mount = c.volumeMounts!.find((m) => m.name === 'repository-ca')!;
    assert.equal(c.env!.find((e) => e.name === 'HOLDFAST_S3_CA_FILE')?.value, `${mount.mountPath}/ca.crt`);
    assert.equal(mount.readOnly, true);
  }
});
