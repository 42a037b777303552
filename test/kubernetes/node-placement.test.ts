/**
 * Node placement (`dataMover.placement: Node`) against a real API server, with the operator holding
 * only the shipped RBAC: the application's namespace enforces Pod Security `restricted`, and the
 * data movers run in Holdfast's namespace on the volume's node, reading and writing the volume where
 * the kubelet mounted it; a restore into a new PVC goes through a holder pod that `restricted`
 * admits. The tests play the scheduler (a pod binding), the PV binder (the PVC's volumeName), the
 * kubelet and the Job controller (test/harness/kube-play.ts); test/node/node-placement.test.ts runs
 * the same flow with the real ones and real files.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startOperator, type OperatorHandle } from '../../src/operator/manager.js';
import { bindShippedRbac, eventually, finishJob, playsControllers, testLogger } from '../harness/kube-play.js';
import { startKube, type Kube } from '../harness/kube.js';

let kube: Kube;
let op: OperatorHandle;
let core: k8s.CoreV1Api;
let batch: k8s.BatchV1Api;
let custom: k8s.CustomObjectsApi;
let unbindRbac: (() => Promise<void>) | undefined;
let ops: string;
let app: string;
const G = { group: 'holdfast.dev', version: 'v1alpha1' };
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const NODE = 'hfnode';
const KUBELET = '/var/lib/kubelet';
const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
const restricted = { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, seccompProfile: { type: 'RuntimeDefault' } };
const restrictedContainer = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };

/** A local PV on NODE bound to `claim` (the PV binder's part: claimRef here, volumeName on the claim). */
const localPv = (name: string, claim: string): k8s.V1PersistentVolume => ({
  metadata: { name },
  spec: {
    capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'local', persistentVolumeReclaimPolicy: 'Retain',
    local: { path: `/mnt/disks/${name}` },
    claimRef: { namespace: app, name: claim },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [NODE] }] }] } },
  },
});

/** The kubelet's part for a pod on NODE: running. */
async function running(ns: string, name: string): Promise<string> {
  await core.patchNamespacedPodStatus({ namespace: ns, name, body: { status: { phase: 'Running' } } }, merge);
  return (await core.readNamespacedPod({ namespace: ns, name })).metadata!.uid!;
}

before(async () => {
  kube = await startKube();
  core = kube.kc.makeApiClient(k8s.CoreV1Api);
  batch = kube.kc.makeApiClient(k8s.BatchV1Api);
  custom = kube.kc.makeApiClient(k8s.CustomObjectsApi);
  ops = await kube.namespace('holdfast');
  app = await kube.namespace('pg');
  // As deploy/crds/00-namespace.yaml labels Holdfast's namespace, and the application's as its owner would.
  await core.patchNamespace({ name: ops, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } } }, merge);
  await core.patchNamespace({ name: app, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } }, merge);
  await core.createNamespacedSecret({ namespace: app, body: { metadata: { name: 'repo' }, stringData: { password: 'pg-repository-password', accessKeyId: 'AK', secretAccessKey: 'SK' } } });
  await custom.createNamespacedCustomObject({
    ...G, namespace: app, plural: 'backuprepositories',
    body: {
      apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupRepository', metadata: { name: 's3' },
      spec: { url: 's3:https://s3.example:9000/backups/pg', credentials: { secretName: 'repo', accessKeyIdKey: 'accessKeyId', secretAccessKeyKey: 'secretAccessKey' } },
    },
  });
  unbindRbac = await bindShippedRbac(kube.kc, kube.userName, ops);
  op = await startOperator({
    namespace: ops, kubeConfig: kube.userKubeconfig(), log: testLogger(), identity: 'test-op', dataMoverImage: 'holdfast:test', kubeletDir: KUBELET,
    leaseDurationMs: 3000, renewDeadlineMs: 2000, retryMs: 300, backoff: { baseMs: 100, maxMs: 2000 },
  });
});
after(async () => {
  await op?.stop();
  await unbindRbac?.();
  await kube?.stop();
});

type Status = { conditions?: { type: string; status: string; reason: string; message: string }[]; currentRun?: { failed?: { pvc: string; reason: string; message: string }[] }; lastRun?: { failed: number } };
const policyStatus = async (name: string) => ((await custom.getNamespacedCustomObject({ ...G, namespace: app, plural: 'backuppolicies', name })) as { status?: Status }).status ?? {};
async function policy(name: string, spec: Record<string, unknown>) {
  await custom.createNamespacedCustomObject({
    ...G, namespace: app, plural: 'backuppolicies',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name, annotations: { 'holdfast.dev/trigger': 't1' } }, spec: { repository: 's3', schedule: '0 3 * * *', ...spec } },
  });
}
const jobsIn = async (ns: string, selector: string) => (await batch.listNamespacedJob({ namespace: ns, labelSelector: selector })).items;

test('a node-placed backup of a volume in a restricted namespace runs in Holdfast\'s namespace on the pod\'s node, reading the kubelet\'s mount as root with DAC_READ_SEARCH', playsControllers, async () => {
  await core.createPersistentVolume({ body: localPv('pg-local', 'pgdata') });
  await core.createNamespacedPersistentVolumeClaim({
    namespace: app,
    body: { metadata: { name: 'pgdata', labels: { app: 'pg' } }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local', volumeName: 'pg-local', resources: { requests: { storage: '1Gi' } } } },
  });
  // The database, as `restricted` admits it.
  await core.createNamespacedPod({
    namespace: app,
    body: {
      metadata: { name: 'pg-0' },
      spec: { nodeName: NODE, securityContext: restricted, containers: [{ name: 'pg', image: 'postgres:16', securityContext: restrictedContainer }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'pgdata' } }] },
    },
  });
  const uid = await running(app, 'pg-0');
  await policy('pg', { selector: { matchLabels: { app: 'pg' } }, dataMover: { placement: 'Node' } });

  const [job] = await eventually('the node-placed backup Job in Holdfast\'s namespace', async () => {
    const j = await jobsIn(ops, 'holdfast.dev/policy=pg');
    return j.length ? j : undefined;
  });
  assert.deepEqual(await jobsIn(app, 'holdfast.dev/policy=pg'), [], 'nothing runs in the application\'s namespace');
  const pod = job!.spec!.template.spec!;
  assert.equal(pod.nodeName, NODE);
  assert.deepEqual(plain(pod.volumes!.find((v) => v.name === 'data')), { name: 'data', hostPath: { path: `${KUBELET}/pods/${uid}/volumes/kubernetes.io~local-volume/pg-local`, type: 'Directory' } });
  const c = pod.containers[0]!;
  assert.deepEqual(plain(c.volumeMounts!.find((m) => m.name === 'data')), { name: 'data', mountPath: '/data', readOnly: true });
  assert.deepEqual(plain(c.securityContext), { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['DAC_READ_SEARCH'] }, runAsUser: 0, runAsGroup: 0 });
  // The repository Secret, mirrored into Holdfast's namespace under a name of this namespace's repository.
  const pw = c.env!.find((e) => e.name === 'HOLDFAST_PASSWORD')!.valueFrom!.secretKeyRef!;
  const mirror = await core.readNamespacedSecret({ namespace: ops, name: pw.name! });
  assert.equal(Buffer.from(mirror.data!.password!, 'base64').toString(), 'pg-repository-password');
  assert.equal(mirror.metadata!.annotations!['holdfast.dev/mirror-of'], `${app}/repo`);

  await finishJob(kube.kc, ops, job!.metadata!.name!, { ok: true, message: JSON.stringify({ type: 'summary', snapshot: '5d1e8a02', time: '2026-12-07T03:00:05Z' }) });
  const rp = await eventually('the RestorePoint', async () => {
    const l = (await custom.listNamespacedCustomObject({ ...G, namespace: app, plural: 'restorepoints', labelSelector: 'holdfast.dev/policy=pg' })) as { items: { metadata: { name: string }; spec: { pvc: { namespace: string; name: string } }; status?: { snapshotId?: string } }[] };
    return l.items.find((i) => i.status?.snapshotId);
  });
  assert.equal(rp.status!.snapshotId, '5d1e8a02');
  assert.deepEqual(rp.spec.pvc, { namespace: app, name: 'pgdata' });
  await eventually('the recorded Job removed from Holdfast\'s namespace', async () => (await jobsIn(ops, 'holdfast.dev/policy=pg')).length === 0);

  // A restore into a new PVC: the point's policy places it on the node too, through a holder pod.
  await core.createPersistentVolume({ body: localPv('pg-restored-local', 'pgdata-restored') });
  await custom.createNamespacedCustomObject({
    ...G, namespace: app, plural: 'restores',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'Restore', metadata: { name: 'pg-back' }, spec: { restorePoint: rp.metadata.name, target: { mode: 'NewPVC', pvcName: 'pgdata-restored' } } },
  });
  const holder = await eventually('the holder pod', async () => (await core.listNamespacedPod({ namespace: app, labelSelector: 'holdfast.dev/holder=pg-back' })).items[0]);
  // Admitted by `restricted` (the API server's Pod Security judged it); it mounts the new PVC read-write.
  assert.deepEqual(plain(holder.spec!.volumes), [{ name: 'data', persistentVolumeClaim: { claimName: 'pgdata-restored' } }]);
  assert.deepEqual(holder.metadata!.ownerReferences!.map((o) => `${o.kind}/${o.name}`), ['Restore/pg-back']);
  const waiting = await eventually('the Restore waiting for its holder', async () => {
    const st = ((await custom.getNamespacedCustomObject({ ...G, namespace: app, plural: 'restores', name: 'pg-back' })) as { status?: Status }).status;
    return st?.conditions?.find((x) => x.reason === 'WaitingForVolume');
  });
  assert.match(waiting.message, /holder pod .*pgdata-restored/);
  assert.deepEqual(await jobsIn(ops, 'holdfast.dev/restore=pg-back'), [], 'no data mover before the volume is mounted');
  // The scheduler binds the holder, the PV binder the claim, the kubelet runs it.
  await core.createNamespacedPodBinding({ namespace: app, name: holder.metadata!.name!, body: { metadata: { name: holder.metadata!.name! }, target: { kind: 'Node', name: NODE } } });
  await core.patchNamespacedPersistentVolumeClaim({ namespace: app, name: 'pgdata-restored', body: { spec: { volumeName: 'pg-restored-local' } } }, merge);
  const holderUid = await running(app, holder.metadata!.name!);

  const restoreJob = await eventually('the node-placed restore Job', async () => (await jobsIn(ops, 'holdfast.dev/restore=pg-back'))[0]);
  const rPod = restoreJob.spec!.template.spec!;
  assert.equal(rPod.nodeName, NODE);
  assert.deepEqual(plain(rPod.volumes!.find((v) => v.name === 'data')), { name: 'data', hostPath: { path: `${KUBELET}/pods/${holderUid}/volumes/kubernetes.io~local-volume/pg-restored-local`, type: 'Directory' } });
  assert.deepEqual(plain(rPod.containers[0]!.volumeMounts!.find((m) => m.name === 'data')), { name: 'data', mountPath: '/data' });
  assert.deepEqual(plain(rPod.containers[0]!.securityContext!.capabilities), { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID'] });
  assert.deepEqual(rPod.containers[0]!.args!.slice(0, 4), ['restore', '5d1e8a02', '--target', '/data']);
  assert.ok(rPod.containers[0]!.args!.includes('--verify'));

  await finishJob(kube.kc, ops, restoreJob.metadata!.name!, { ok: true, message: '{}' });
  await eventually('the Restore Succeeded', async () =>
    ((await custom.getNamespacedCustomObject({ ...G, namespace: app, plural: 'restores', name: 'pg-back' })) as { status?: { phase?: string } }).status?.phase === 'Succeeded');
  await eventually('the holder deleted', async () => {
    const p = (await core.listNamespacedPod({ namespace: app, labelSelector: 'holdfast.dev/holder=pg-back' })).items;
    return p.length === 0 || p.every((x) => x.metadata?.deletionTimestamp);
  });
});

test('a node-placed backup with no running pod on the volume fails that PVC naming why, before any hook or Job', playsControllers, async () => {
  await core.createNamespacedPersistentVolumeClaim({
    namespace: app,
    body: { metadata: { name: 'idle', labels: { app: 'idle' } }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local', resources: { requests: { storage: '1Gi' } } } },
  });
  await policy('idle', { selector: { matchLabels: { app: 'idle' } }, dataMover: { placement: 'Node' }, hooks: { pre: [{ name: 'never', command: ['true'] }] } });
  const st = await eventually('the run failed', async () => {
    const s = await policyStatus('idle');
    return s.lastRun?.failed ? s : undefined;
  });
  const ready = st.conditions!.find((c) => c.type === 'Ready')!;
  assert.equal(ready.reason, 'LastRunFailed');
  assert.match(ready.message, new RegExp(`${app}/idle: NoVolumePod`));
  assert.deepEqual(await jobsIn(ops, 'holdfast.dev/policy=idle'), []);
});

test('node placement refuses what it cannot serve as a condition: a snapshot clone has no pod to reach it through', playsControllers, async () => {
  await policy('snap', { selector: { matchLabels: { app: 'pg' } }, dataMover: { placement: 'Node' }, snapshot: { mode: 'Snapshot' } });
  const ready = await eventually('InvalidPlacement', async () => (await policyStatus('snap')).conditions?.find((c) => c.reason === 'InvalidPlacement'));
  assert.match(ready.message, /use snapshot mode Direct/);
});
