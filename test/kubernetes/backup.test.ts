/**
 * The backup controller against a real API server: policy → data mover Job → RestorePoint with
 * provenance from the pods' image digests, the snapshot path (VolumeSnapshot → clone → Job → clean
 * up), and the bad inputs that must become conditions and Events, not crash loops. The tests play
 * the kubelet, Job controller and CSI snapshotter by writing status (test/harness/kube-play.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { testLogger } from '../harness/kube-play.js';
import { startOperator, type OperatorHandle } from '../../src/operator/manager.js';
import { startKube, type Kube } from '../harness/kube.js';
import { DIGEST_A, eventually, finishJob, pvc, readySnapshot, playsControllers, runningPod } from '../harness/kube-play.js';

let kube: Kube;
let op: OperatorHandle;
let core: k8s.CoreV1Api;
let batch: k8s.BatchV1Api;
let custom: k8s.CustomObjectsApi;
let ops: string;
const G = { group: 'holdfast.dev', version: 'v1alpha1' };
const SNAP = { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots' };
const PASSWORD = 'correct horse battery staple';
/** client-node returns model class instances; compare their plain JSON. */
const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;

before(async () => {
  kube = await startKube();
  core = kube.kc.makeApiClient(k8s.CoreV1Api);
  batch = kube.kc.makeApiClient(k8s.BatchV1Api);
  custom = kube.kc.makeApiClient(k8s.CustomObjectsApi);
  ops = await kube.namespace('ops');
  await core.createNamespacedSecret({ namespace: ops, body: { metadata: { name: 'repo' }, stringData: { password: PASSWORD } } });
  await custom.createNamespacedCustomObject({
    ...G, namespace: ops, plural: 'backuprepositories',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupRepository', metadata: { name: 'main' }, spec: { url: 's3:https://minio.example:9000/backups/shop', credentials: { secretName: 'repo' } } },
  });
  op = await startOperator({
    namespace: ops, kubeConfig: kube.kc, log: testLogger(), identity: 'test-op', dataMoverImage: 'holdfast:test',
    leaseDurationMs: 3000, renewDeadlineMs: 2000, retryMs: 300, backoff: { baseMs: 100, maxMs: 2000 },
  });
});
after(async () => {
  await op?.stop();
  await kube?.stop();
});

async function policy(name: string, spec: Record<string, unknown>, trigger = 't1') {
  await custom.createNamespacedCustomObject({
    ...G, namespace: ops, plural: 'backuppolicies',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name, annotations: { 'holdfast.dev/trigger': trigger } }, spec: { repository: 'main', schedule: '0 3 * * *', ...spec } },
  });
}
type Status = { conditions?: { type: string; status: string; reason: string; message: string }[]; lastRun?: { succeeded: number; failed: number }; currentRun?: unknown };
const statusOf = async (name: string) =>
  ((await custom.getNamespacedCustomObject({ ...G, namespace: ops, plural: 'backuppolicies', name })) as { status?: Status }).status ?? {};
const ready = (s: Status) => s.conditions?.find((c) => c.type === 'Ready');
const jobsIn = async (ns: string, policyName: string) => (await batch.listNamespacedJob({ namespace: ns, labelSelector: `holdfast.dev/policy=${policyName}` })).items;
const eventsFor = async (name: string) =>
  (await core.listNamespacedEvent({ namespace: ops, fieldSelector: `involvedObject.name=${name}` })).items.map((e) => `${e.type} ${e.reason}: ${e.message}`);

test('a triggered policy runs a data mover Job and records a RestorePoint with the pods\' image digests', playsControllers, async () => {
  const shop = await kube.namespace('shop');
  await core.createNamespacedPersistentVolumeClaim({ namespace: shop, body: pvc('data', { backup: 'yes' }) });
  await core.createNamespacedPersistentVolumeClaim({ namespace: shop, body: pvc('scratch') });
  await runningPod(kube.kc, shop, 'db-0', 'data', 'db', DIGEST_A);
  await policy('nightly', { selector: { namespaces: [shop], matchLabels: { backup: 'yes' } }, tags: ['nightly'] });

  const [job] = await eventually('the data mover Job', async () => {
    const j = await jobsIn(shop, 'nightly');
    return j.length ? j : undefined;
  });
  assert.equal((await jobsIn(shop, 'nightly')).length, 1, 'only the labelled PVC is backed up');
  const c = job!.spec!.template.spec!.containers[0]!;
  assert.deepEqual(c.args!.slice(0, 4), ['backup', '/data', '--repo', 's3:https://minio.example:9000/backups/shop']);
  assert.deepEqual(c.args!.slice(4, 6), ['--provenance', '/etc/holdfast/provenance.json']);
  assert.ok(c.args!.includes('nightly'));
  const pw = c.env!.find((e) => e.name === 'HOLDFAST_PASSWORD')!;
  assert.equal(pw.value, undefined, 'the password is never inline');
  assert.deepEqual(plain(pw.valueFrom?.secretKeyRef), { name: 'holdfast-repo-main', key: 'password', optional: false });
  assert.doesNotMatch(JSON.stringify(job), new RegExp(PASSWORD));
  const mirrored = await core.readNamespacedSecret({ namespace: shop, name: 'holdfast-repo-main' });
  assert.equal(Buffer.from(mirrored.data!.password!, 'base64').toString(), PASSWORD);
  assert.equal(job!.spec!.template.spec!.volumes!.find((v) => v.name === 'data')!.persistentVolumeClaim!.claimName, 'data');
  assert.equal(job!.spec!.template.spec!.hostname, 'holdfast-data-mover', 'snapshots of one PVC form one retention group');

  await finishJob(kube.kc, shop, job!.metadata!.name!, { ok: true, message: JSON.stringify({ type: 'summary', snapshot: '5f3a9c01', time: '2026-12-01T03:00:05Z', files: 12 }, null, 2) });
  const rp = await eventually('the RestorePoint', async () => {
    const l = (await custom.listNamespacedCustomObject({ ...G, namespace: ops, plural: 'restorepoints', labelSelector: 'holdfast.dev/policy=nightly' })) as { items: { spec: { pvc: { name: string } }; status?: { snapshotId?: string; provenance?: { volume: string; workloads: { workload: string; imageDigest?: string }[] } } }[] };
    return l.items.find((i) => i.status?.snapshotId);
  });
  assert.equal(rp.status!.snapshotId, '5f3a9c01');
  assert.equal(rp.spec.pvc.name, 'data');
  assert.equal(rp.status!.provenance!.volume, `${shop}/data`);
  assert.deepEqual(rp.status!.provenance!.workloads.map((w) => [w.workload, w.imageDigest]), [[`${shop}/StatefulSet/db`, DIGEST_A]]);

  const s = await eventually('the run to finish', async () => {
    const st = await statusOf('nightly');
    return st.lastRun ? st : undefined;
  });
  assert.deepEqual([s.lastRun!.succeeded, s.lastRun!.failed], [1, 0]);
  assert.equal(ready(s)?.reason, 'LastRunSucceeded');
  await eventually('the finished Job to be removed', async () => (await jobsIn(shop, 'nightly')).length === 0);
  assert.ok((await eventsFor('nightly')).some((e) => e.startsWith('Normal RunSucceeded')));
});

test('snapshot mode backs up a clone of a ready VolumeSnapshot and removes clone and snapshot afterwards', playsControllers, async () => {
  const shop = await kube.namespace('snap');
  await core.createNamespacedPersistentVolumeClaim({ namespace: shop, body: pvc('data') });
  await runningPod(kube.kc, shop, 'db-0', 'data', 'db', DIGEST_A);
  await policy('snapshots', { selector: { namespaces: [shop] }, snapshot: { mode: 'Snapshot', volumeSnapshotClassName: 'csi-snap' } });

  const vs = await eventually('the VolumeSnapshot', async () => {
    const l = (await custom.listNamespacedCustomObject({ ...SNAP, namespace: shop })) as { items: { metadata: { name: string }; spec: { source: { persistentVolumeClaimName: string }; volumeSnapshotClassName: string } }[] };
    return l.items[0];
  });
  assert.equal(vs.spec.source.persistentVolumeClaimName, 'data');
  assert.equal(vs.spec.volumeSnapshotClassName, 'csi-snap');
  assert.equal((await jobsIn(shop, 'snapshots')).length, 0, 'no Job before the snapshot is ready');

  await readySnapshot(kube.kc, shop, vs.metadata.name);
  const clone = await eventually('the clone PVC', async () => (await core.listNamespacedPersistentVolumeClaim({ namespace: shop, labelSelector: 'holdfast.dev/clone=true' })).items[0]);
  assert.deepEqual(plain(clone.spec!.dataSource), { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: vs.metadata.name });
  const [job] = await eventually('the Job on the clone', async () => {
    const j = await jobsIn(shop, 'snapshots');
    return j.length ? j : undefined;
  });
  assert.equal(job!.spec!.template.spec!.volumes!.find((v) => v.name === 'data')!.persistentVolumeClaim!.claimName, clone.metadata!.name);
  const prov = JSON.parse(job!.spec!.template.metadata!.annotations!['holdfast.dev/provenance']!) as { volume: string; workloads: { imageDigest: string }[] };
  assert.equal(prov.volume, `${shop}/data`, 'provenance names the source volume, not the clone');
  assert.equal(prov.workloads[0]!.imageDigest, DIGEST_A);

  await finishJob(kube.kc, shop, job!.metadata!.name!, { ok: true, message: '{"snapshotId":"c10ne"}' });
  await eventually('clone and VolumeSnapshot removed', async () => {
    const clones = (await core.listNamespacedPersistentVolumeClaim({ namespace: shop, labelSelector: 'holdfast.dev/clone=true' })).items;
    const snaps = ((await custom.listNamespacedCustomObject({ ...SNAP, namespace: shop })) as { items: unknown[] }).items;
    // Without a controller-manager, a deleted PVC keeps its pvc-protection finalizer: count live ones.
    return clones.every((c) => c.metadata?.deletionTimestamp) && snaps.length === 0;
  });
  const s = await eventually('the run to finish', async () => ((await statusOf('snapshots')).lastRun ? statusOf('snapshots') : undefined));
  assert.equal(s.lastRun!.succeeded, 1);
});

test('a policy that selects no PVC says so in a condition and an Event', async () => {
  const empty = await kube.namespace('empty');
  await policy('nothing', { selector: { namespaces: [empty], matchLabels: { app: 'none' } } });
  const s = await eventually('NoVolumesSelected', async () => {
    const st = await statusOf('nothing');
    return ready(st)?.reason === 'NoVolumesSelected' ? st : undefined;
  });
  assert.equal(ready(s)!.status, 'False');
  assert.match(ready(s)!.message, new RegExp(`no PVC in namespace ${empty} with labels app=none`));
  await eventually('the Warning Event', async () => (await eventsFor('nothing')).some((e) => e.startsWith('Warning NoVolumesSelected')));
});

test('a repository whose Secret is missing blocks the policy with RepositorySecretMissing', async () => {
  await custom.createNamespacedCustomObject({
    ...G, namespace: ops, plural: 'backuprepositories',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupRepository', metadata: { name: 'nosecret' }, spec: { url: 's3:https://minio.example:9000/x/y', credentials: { secretName: 'absent' } } },
  });
  await custom.createNamespacedCustomObject({
    ...G, namespace: ops, plural: 'backuppolicies',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name: 'orphan' }, spec: { repository: 'nosecret', schedule: '@daily' } },
  });
  const s = await eventually('RepositorySecretMissing', async () => {
    const st = await statusOf('orphan');
    return ready(st)?.reason === 'RepositorySecretMissing' ? st : undefined;
  });
  assert.match(ready(s)!.message, new RegExp(`Secret ${ops}/absent of BackupRepository nosecret does not exist`));
  await eventually('the Warning Event', async () => (await eventsFor('orphan')).some((e) => e.startsWith('Warning RepositorySecretMissing')));
  const repoReady = async (name: string) =>
    (((await custom.getNamespacedCustomObject({ ...G, namespace: ops, plural: 'backuprepositories', name })) as { status?: { conditions?: { type: string; status: string; reason: string }[] } }).status?.conditions ?? []).find((c) => c.type === 'Ready');
  assert.deepEqual([(await repoReady('nosecret'))?.status, (await repoReady('nosecret'))?.reason], ['False', 'SecretMissing']);
  assert.deepEqual([(await repoReady('main'))?.status, (await repoReady('main'))?.reason], ['True', 'CredentialsFound']);
});

test('a data mover Job that fails ends the run with LastRunFailed and a JobFailed Event, and is not retried', playsControllers, async () => {
  const ns = await kube.namespace('fail');
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc('data') });
  await policy('failing', { selector: { namespaces: [ns] } });
  const [job] = await eventually('the Job', async () => {
    const j = await jobsIn(ns, 'failing');
    return j.length ? j : undefined;
  });
  await finishJob(kube.kc, ns, job!.metadata!.name!, { ok: false, message: 'repository locked' });
  const s = await eventually('LastRunFailed', async () => {
    const st = await statusOf('failing');
    return ready(st)?.reason === 'LastRunFailed' ? st : undefined;
  });
  assert.deepEqual([s.lastRun!.succeeded, s.lastRun!.failed], [0, 1]);
  assert.match(ready(s)!.message, new RegExp(`${ns}/data: JobFailed`));
  await eventually('the JobFailed Event', async () => (await eventsFor('failing')).some((e) => e.startsWith('Warning JobFailed') && e.includes('BackoffLimitExceeded')));
  op.resync();
  await op.idle();
  assert.equal((await jobsIn(ns, 'failing')).length, 1, 'the failed Job stays as the record and no new Job is made');
});

test('a pre hook whose exec cannot run fails the PVC with HookFailed naming the pod', playsControllers, async () => {
  // Without a kubelet the API server refuses pods/exec; that refusal is the failure under test.
  const ns = await kube.namespace('hook');
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc('data') });
  await runningPod(kube.kc, ns, 'db-0', 'data', 'db', DIGEST_A);
  await policy('hooked', {
    selector: { namespaces: [ns] },
    hooks: { pre: [{ name: 'freeze', command: ['fsfreeze', '-f', '/data'], timeoutSeconds: 5 }], post: [{ name: 'thaw', command: ['fsfreeze', '-u', '/data'] }] },
  });
  const s = await eventually('LastRunFailed', async () => {
    const st = await statusOf('hooked');
    return ready(st)?.reason === 'LastRunFailed' ? st : undefined;
  });
  assert.match(ready(s)!.message, /HookFailed/);
  const events = await eventsFor('hooked');
  const hookEvent = events.find((e) => e.startsWith('Warning HookFailed'));
  assert.ok(hookEvent, events.join('\n'));
  assert.match(hookEvent, new RegExp(`pre hook freeze in pod ${ns}/db-0: exec in ${ns}/db-0 container db: the API server refused exec \\(HTTP 400\\)`));
  assert.equal((await jobsIn(ns, 'hooked')).length, 0, 'no backup without its pre hook');
});

test('a Restore into a new PVC maps the StorageClass, runs holdfast restore, and ends Succeeded; in place is refused while mounted', playsControllers, async () => {
  const ns = await kube.namespace('restore');
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc('data') });
  await runningPod(kube.kc, ns, 'db-0', 'data', 'db', DIGEST_A);
  const rpApi = { ...G, namespace: ops, plural: 'restorepoints' };
  await custom.createNamespacedCustomObject({ ...rpApi, body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'RestorePoint', metadata: { name: 'before-incident' }, spec: { repository: 'main', pvc: { namespace: ns, name: 'data' } } } });
  await custom.patchNamespacedCustomObjectStatus({ ...rpApi, name: 'before-incident', body: { status: { snapshotId: '77aa01' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  const restore = (name: string, target: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    custom.createNamespacedCustomObject({ ...G, namespace: ops, plural: 'restores', body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'Restore', metadata: { name }, spec: { restorePoint: 'before-incident', target, ...extra } } });
  const restoreStatus = async (name: string) =>
    ((await custom.getNamespacedCustomObject({ ...G, namespace: ops, plural: 'restores', name })) as { status?: { phase?: string; conditions?: { reason: string; message: string }[] } }).status ?? {};

  await restore('new', { mode: 'NewPVC', pvcName: 'data-restored' }, { storageClassMapping: { standard: 'fast' } });
  const target = await eventually('the new PVC', async () => (await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'data-restored' }).catch(() => undefined)));
  assert.equal(target.spec!.storageClassName, 'fast');
  assert.equal(target.spec!.resources!.requests!.storage, '1Gi');
  const job = await eventually('the restore Job', async () => (await batch.listNamespacedJob({ namespace: ns, labelSelector: 'holdfast.dev/restore=new' })).items[0]);
  const c = job.spec!.template.spec!.containers[0]!;
  assert.deepEqual(c.args!.slice(0, 4), ['restore', '77aa01', '--target', '/data']);
  assert.deepEqual(c.args!.slice(-3), ['--overwrite', '--verify', '--json'], 'a new PVC is verified; nothing in it to delete');
  assert.equal(job.spec!.template.spec!.volumes!.find((v) => v.name === 'data')!.persistentVolumeClaim!.claimName, 'data-restored');
  assert.equal(c.env!.find((e) => e.name === 'HOLDFAST_PASSWORD')!.valueFrom!.secretKeyRef!.name, 'holdfast-repo-main');
  await finishJob(kube.kc, ns, job.metadata!.name!, { ok: true, message: '{}' });
  await eventually('phase Succeeded', async () => (await restoreStatus('new')).phase === 'Succeeded');

  await restore('inplace', { mode: 'InPlace' });
  const s = await eventually('VolumeInUse', async () => {
    const st = await restoreStatus('inplace');
    return st.conditions?.find((x) => x.reason === 'VolumeInUse') ? st : undefined;
  });
  assert.match(s.conditions!.find((x) => x.reason === 'VolumeInUse')!.message, new RegExp(`mounted by ${ns}/db-0`));
  assert.equal((await batch.listNamespacedJob({ namespace: ns, labelSelector: 'holdfast.dev/restore=inplace' })).items.length, 0);
});

test('in a namespace that enforces Pod Security restricted, backup and restore pods are admitted, carry the policy\'s dataMover settings, and mount a repository that lives on a volume', playsControllers, async () => {
  const ns = await kube.namespace('restricted');
  await core.patchNamespace({ name: ns, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  // The PodSecurity admission plugin is on (the default): a pod that may run as root is refused here.
  const refused = await core
    .createNamespacedPod({ namespace: ns, body: { metadata: { name: 'root-ok' }, spec: { schedulerName: 'holdfast-test-none', containers: [{ name: 'c', image: 'x' }] } } })
    .then(() => undefined, (e: { code?: number; message?: string }) => e);
  assert.equal(refused?.code, 403);
  assert.match(String((refused as { message?: string } | undefined)?.message), /forbidden: violates PodSecurity .{0,8}restricted:latest/);

  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'repo' }, stringData: { password: PASSWORD } } });
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'backuprepositories',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupRepository', metadata: { name: 'onvol' }, spec: { url: '/repo', volume: { claimName: 'backups' }, credentials: { secretName: 'repo' } } },
  });
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc('pgdata', { app: 'pg' }) });
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc('backups', { role: 'repository' }) });
  // The database's own uid reads its 0700 volume and restores files as their owner, within restricted.
  const dataMover = { podSecurityContext: { runAsUser: 999, runAsGroup: 999, fsGroup: 999, fsGroupChangePolicy: 'OnRootMismatch' } };
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'backuppolicies',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name: 'pg', annotations: { 'holdfast.dev/trigger': 't1' } }, spec: { repository: 'onvol', schedule: '0 3 * * *', selector: { matchLabels: { app: 'pg' } }, dataMover } },
  });

  const dataMoverPod = (j: k8s.V1Job) => j.spec!.template.spec!;
  const [backupJob] = await eventually('the backup Job', async () => {
    const j = await jobsIn(ns, 'pg');
    return j.length ? j : undefined;
  });
  const bPod = dataMoverPod(backupJob!);
  assert.deepEqual(plain(bPod.securityContext), { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } });
  assert.deepEqual(plain(bPod.containers[0]!.volumeMounts!.find((m) => m.name === 'repository')), { name: 'repository', mountPath: '/repo' });
  // Admitted: finishJob creates the pod from the Job's template, as the Job controller does.
  await finishJob(kube.kc, ns, backupJob!.metadata!.name!, { ok: true, message: JSON.stringify({ type: 'summary', snapshot: '9e0c4a11', time: '2026-12-01T03:00:05Z' }) });
  const rp = await eventually('the RestorePoint', async () => {
    const l = (await custom.listNamespacedCustomObject({ ...G, namespace: ns, plural: 'restorepoints', labelSelector: 'holdfast.dev/policy=pg' })) as { items: { metadata: { name: string }; status?: { snapshotId?: string } }[] };
    return l.items.find((i) => i.status?.snapshotId && i.metadata.name.startsWith('pgdata'));
  });

  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'restores',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'Restore', metadata: { name: 'pg-back' }, spec: { restorePoint: rp.metadata.name, target: { mode: 'NewPVC', pvcName: 'pgdata-restored' } } },
  });
  const restoreJob = await eventually('the restore Job', async () => (await batch.listNamespacedJob({ namespace: ns, labelSelector: 'holdfast.dev/restore=pg-back' })).items[0]);
  const rPod = dataMoverPod(restoreJob);
  assert.deepEqual(plain(rPod.volumes!.find((v) => v.name === 'repository')), { name: 'repository', persistentVolumeClaim: { claimName: 'backups' } });
  assert.deepEqual(plain(rPod.containers[0]!.volumeMounts!.find((m) => m.name === 'repository')), { name: 'repository', mountPath: '/repo' });
  assert.deepEqual(rPod.containers[0]!.args!.slice(0, 6), ['restore', '9e0c4a11', '--target', '/data', '--repo', '/repo']);
  assert.equal(rPod.securityContext!.runAsUser, 999, 'the restore takes the settings of the policy that recorded the point');
  assert.deepEqual(plain(rPod.securityContext!.seccompProfile), { type: 'RuntimeDefault' });
  assert.deepEqual(plain(rPod.containers[0]!.securityContext), { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  await finishJob(kube.kc, ns, restoreJob.metadata!.name!, { ok: true, message: '{}' });
  await eventually('the Restore Succeeded', async () =>
    ((await custom.getNamespacedCustomObject({ ...G, namespace: ns, plural: 'restores', name: 'pg-back' })) as { status?: { phase?: string } }).status?.phase === 'Succeeded');
});
