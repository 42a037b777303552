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
import { bindShippedRbac, DIGEST_A, DIGEST_B, eventually, finishJob, playsControllers, playWorkloads, testLogger } from '../harness/kube-play.js';
import { startKube, type Kube } from '../harness/kube.js';

let kube: Kube;
let op: OperatorHandle;
let core: k8s.CoreV1Api;
let batch: k8s.BatchV1Api;
let custom: k8s.CustomObjectsApi;
let unbindRbac: (() => Promise<void>) | undefined;
let ops: string;
let app: string;
const players: { stop(): Promise<void> }[] = [];
const G = { group: 'holdfast.dev', version: 'v1alpha1' };
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const NODE = 'hfnode';
const KUBELET = '/var/lib/kubelet';
const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
const restricted = { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, seccompProfile: { type: 'RuntimeDefault' } };
const restrictedContainer = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };

/** A local PV on NODE bound to `claim` (the PV binder's part: claimRef here, volumeName on the claim). */
const localPv = (name: string, claim: string, namespace = app): k8s.V1PersistentVolume => ({
  metadata: { name },
  spec: {
    capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'local', persistentVolumeReclaimPolicy: 'Retain',
    local: { path: `/mnt/disks/${name}` },
    claimRef: { namespace, name: claim },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [NODE] }] }] } },
  },
});

/** The scheduler's part: `pod` bound to NODE. */
const bind = (ns: string, pod: string) => core.createNamespacedPodBinding({ namespace: ns, name: pod, body: { metadata: { name: pod }, target: { kind: 'Node', name: NODE } } });

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
  for (const p of players) await p.stop();
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
  await bind(app, holder.metadata!.name!);
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

/**
 * A StatefulSet on v2 (digest B) over a local PV in a namespace of its own, a node-placed policy
 * whose RestorePoint p1 recorded v1, and an approved Incident on its PVC. `hold` plays the scheduler
 * and kubelet for a holder the operator starts (found by `selector`) and returns its uid; `failed`
 * throws once the Incident has failed.
 */
async function incidentOnNode(prefix: string) {
  const ns = await kube.namespace(prefix);
  const V2 = 'registry.example/shop-db:2.0';
  players.push(playWorkloads(kube.kc, ns, (image) => (image === V2 ? DIGEST_B : DIGEST_A)));
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'repo' }, stringData: { password: 'pw' } } });
  await custom.createNamespacedCustomObject({ ...G, namespace: ns, plural: 'backuprepositories', body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupRepository', metadata: { name: 'main' }, spec: { url: `s3:https://s3.example:9000/b/${ns}`, credentials: { secretName: 'repo' } } } });
  await core.createPersistentVolume({ body: localPv(`${ns}-local`, 'data', ns) });
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local', volumeName: `${ns}-local`, resources: { requests: { storage: '1Gi' } } } } });
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'backuppolicies',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name: 'nightly' }, spec: { repository: 'main', schedule: '0 3 * * *', suspend: true, dataMover: { placement: 'Node' } } },
  });
  const rpApi = { ...G, namespace: ns, plural: 'restorepoints' };
  await custom.createNamespacedCustomObject({ ...rpApi, body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'RestorePoint', metadata: { name: 'p1' }, spec: { repository: 'main', policy: 'nightly', pvc: { namespace: ns, name: 'data' } } } });
  await custom.patchNamespacedCustomObjectStatus({ ...rpApi, name: 'p1', body: { status: { snapshotId: 's-p1', time: '2026-11-01T03:00:00Z', provenance: { workloads: [{ workload: `${ns}/StatefulSet/db`, imageDigest: DIGEST_A, imageRef: `registry.example/shop-db@${DIGEST_A}` }] } } } }, merge);
  const apps = kube.kc.makeApiClient(k8s.AppsV1Api);
  await apps.createNamespacedStatefulSet({
    namespace: ns,
    body: {
      metadata: { name: 'db' },
      spec: {
        replicas: 1, serviceName: 'db', selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: V2 }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] } },
      },
    },
  });
  await eventually('the pod on digest B', async () => (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=db' })).items[0]?.status?.containerStatuses?.[0]?.imageID?.endsWith(DIGEST_B));
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'incidents',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'Incident', metadata: { name: 'cve' }, spec: { pvc: 'data', approved: true, vulnerable: { imageDigests: [DIGEST_B] }, clean: { imageDigests: [DIGEST_A] }, certificatePolicies: [] } },
  });
  const failed = async () => {
    const st = ((await custom.getNamespacedCustomObject({ ...G, namespace: ns, plural: 'incidents', name: 'cve' })) as { status?: { phase?: string; conditions?: unknown } }).status;
    if (st?.phase === 'Failed') throw new Error(`Incident failed: ${JSON.stringify(st.conditions)}`);
    return st;
  };
  /** A holder the operator started (selector), played to Running on NODE; its uid. */
  const hold = async (what: string, selector: string) => {
    const h = await eventually(what, async () => {
      await failed();
      return (await core.listNamespacedPod({ namespace: ns, labelSelector: selector })).items.find((p) => !p.metadata?.deletionTimestamp);
    });
    assert.equal((await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=db' })).items.length, 0, 'the workload is scaled down');
    await bind(ns, h.metadata!.name!);
    return { name: h.metadata!.name!, uid: await running(ns, h.metadata!.name!) };
  };
  return { ns, failed, hold };
}

test('an Incident on a node-placed policy takes its evidence and restores in place on the node, each through a holder pod while the workload is scaled down', playsControllers, async () => {
  const { ns, failed, hold } = await incidentOnNode('inc');

  // The evidence: the workload is scaled down, so a holder gives the node-placed data mover its way in.
  const evHolder = await hold('the evidence holder', 'holdfast.dev/incident=cve,holdfast.dev/holder');
  const evJob = await eventually('the evidence Job in Holdfast\'s namespace', async () => (await jobsIn(ops, 'holdfast.dev/incident=cve'))[0]);
  assert.deepEqual(await jobsIn(ns, 'holdfast.dev/incident=cve'), [], 'nothing of the evidence runs in the application\'s namespace');
  const ev = evJob.spec!.template.spec!;
  assert.equal(ev.nodeName, NODE);
  assert.deepEqual(plain(ev.volumes!.find((v) => v.name === 'data')), { name: 'data', hostPath: { path: `${KUBELET}/pods/${evHolder.uid}/volumes/kubernetes.io~local-volume/${ns}-local`, type: 'Directory' } });
  assert.ok(ev.containers[0]!.args!.includes('incident-evidence'));
  assert.deepEqual(plain(ev.containers[0]!.securityContext!.capabilities), { drop: ['ALL'], add: ['DAC_READ_SEARCH'] });
  await finishJob(kube.kc, ops, evJob.metadata!.name!, { ok: true, message: JSON.stringify({ type: 'summary', snapshot: 's-evidence', time: new Date().toISOString() }) });

  // The restore in place, on the node too, through a holder of its own once the evidence one is gone.
  const restore = await eventually('the Restore', async () => ((await custom.listNamespacedCustomObject({ ...G, namespace: ns, plural: 'restores' })) as { items: { metadata: { name: string } }[] }).items[0]);
  const rHolder = await hold('the restore holder', `holdfast.dev/holder=${restore.metadata.name}`);
  assert.equal((await core.listNamespacedPod({ namespace: ns, labelSelector: 'holdfast.dev/incident=cve,holdfast.dev/holder' })).items.every((p) => p.metadata?.deletionTimestamp), true, 'the evidence holder is going');
  const rJob = await eventually('the restore Job in Holdfast\'s namespace', async () => (await jobsIn(ops, `holdfast.dev/restore=${restore.metadata.name}`))[0]);
  assert.deepEqual(plain(rJob.spec!.template.spec!.volumes!.find((v) => v.name === 'data')), { name: 'data', hostPath: { path: `${KUBELET}/pods/${rHolder.uid}/volumes/kubernetes.io~local-volume/${ns}-local`, type: 'Directory' } });
  assert.ok(rJob.spec!.template.spec!.containers[0]!.args!.includes('--delete'), 'in place: the volume becomes exactly the point');
  await finishJob(kube.kc, ops, rJob.metadata!.name!, { ok: true, message: '{}' });
  await eventually('the Incident Succeeded', async () => (await failed())?.phase === 'Succeeded', 60_000);
  const pods = (await core.listNamespacedPod({ namespace: ns })).items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name);
  assert.deepEqual(pods, ['db-0'], 'no holder is left, and the workload runs again');
});

test('aborting an Incident during a node-placed evidence backup removes its holder, so the workload scaled back is alone on the volume', playsControllers, async () => {
  const { ns, hold } = await incidentOnNode('abort');
  const h = await hold('the evidence holder', 'holdfast.dev/incident=cve,holdfast.dev/holder');
  await eventually('the evidence Job in Holdfast\'s namespace', async () => (await jobsIn(ops, 'holdfast.dev/incident=cve')).find((j) => j.metadata?.namespace === ops));
  await custom.patchNamespacedCustomObject({ ...G, namespace: ns, plural: 'incidents', name: 'cve', body: { spec: { abort: true } } }, merge);
  await eventually('the holder deleted', async () => {
    const p = await core.readNamespacedPod({ namespace: ns, name: h.name }).catch(() => undefined);
    return !p || p.metadata?.deletionTimestamp !== undefined;
  });
  const st = await eventually('Aborted', async () => {
    const x = ((await custom.getNamespacedCustomObject({ ...G, namespace: ns, plural: 'incidents', name: 'cve' })) as { status?: { phase?: string; abort?: { undone: string[] } } }).status;
    return x?.phase === 'Aborted' ? x : undefined;
  });
  assert.match(st.abort!.undone.join(' '), /quiesce/);
});
