/**
 * The Incident kind against a real API server: the whole SAST-aware recovery on Kubernetes. v1
 * (digest A, clean) runs and is backed up; v2 (digest B, vulnerable) is rolled out and backed up;
 * an Incident naming B plans the v1 point and waits for approval having changed nothing; approved,
 * it scales the StatefulSet down, keeps the PVC as evidence, restores v1 in place through a Restore,
 * restarts on digest A, reissues the TLS certificate with a new key, verifies and reports — with
 * the operator crashed twice on the way (a new one finishes, creating nothing twice). And the
 * refusal: no clean restore point, Failed with the options, nothing changed.
 *
 * The operators run with only the shipped RBAC (deploy/operator/10-rbac.yaml, bound to an unprivileged
 * user). The test plays the kubelet and the StatefulSet and Deployment controllers (playWorkloads: pods from the template,
 * image digests, rollout status) and the Job controller (finishJob, when the test decides).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { startOperator, type OperatorHandle } from '../../src/operator/manager.js';
import { startKube, type Kube } from '../harness/kube.js';
import { bindShippedRbac, DIGEST_A, DIGEST_B, eventually, finishJob, playsControllers, playWorkloads, pvc, testLogger } from '../harness/kube-play.js';

let kube: Kube;
let unbindRbac: (() => Promise<void>) | undefined;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let batch: k8s.BatchV1Api;
let custom: k8s.CustomObjectsApi;
let ops: string;
const ops_running: OperatorHandle[] = [];
const players: { stop(): Promise<void> }[] = [];
const G = { group: 'holdfast.dev', version: 'v1alpha1' };
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const V1 = 'registry.example/shop-db:1.4';
const V2 = 'registry.example/shop-db:2.0';
const digestOf = (image: string) => /@(sha256:[0-9a-f]{64})$/.exec(image)?.[1] ?? (image === V2 ? DIGEST_B : DIGEST_A);
const FINDING = { id: 'f-7c1e', ruleId: 'js/sql-injection', severity: 'high', message: 'query built from request input' };

before(async () => {
  kube = await startKube();
  core = kube.kc.makeApiClient(k8s.CoreV1Api);
  apps = kube.kc.makeApiClient(k8s.AppsV1Api);
  batch = kube.kc.makeApiClient(k8s.BatchV1Api);
  custom = kube.kc.makeApiClient(k8s.CustomObjectsApi);
  ops = await kube.namespace('ops');
  // The operators run as an unprivileged user holding only deploy/operator/10-rbac.yaml's rules.
  unbindRbac = await bindShippedRbac(kube.kc, kube.userName, ops);
  await operator('op-1');
});
after(async () => {
  for (const p of players) await p.stop();
  for (const op of ops_running) await op.stop().catch(() => undefined);
  await unbindRbac?.();
  await kube?.stop();
});

const latestOp = () => ops_running.at(-1)!;

async function operator(identity: string): Promise<OperatorHandle> {
  const op = await startOperator({
    namespace: ops, kubeConfig: kube.userKubeconfig(), log: testLogger(), identity, dataMoverImage: 'holdfast:test',
    leaseDurationMs: 2000, renewDeadlineMs: 1500, retryMs: 200, backoff: { baseMs: 100, maxMs: 2000 },
  });
  ops_running.push(op);
  return op;
}

type Cond = { type: string; status: string; reason: string; message: string };
type Step = { name: string; uses: string; phase: string; attempts: number; startedAt?: string; completedAt?: string; message?: string; outputs?: Record<string, string> };
type IncidentStatus = {
  phase?: string;
  conditions?: Cond[];
  plan?: { decision?: string; restorePoint?: string; snapshotId?: string; message?: string; reasoning?: string[]; workloads?: string[]; certificatePolicies?: string[] };
  steps?: Step[];
  evidence?: { job: string; restorePoint?: string; snapshotId?: string };
  restore?: { name: string; phase?: string };
  workloads?: { kind: string; name: string; replicas: number }[];
  certificates?: { policy: string; oldSerial?: string; newSerial?: string; oldKeyId?: string; newKeyId?: string }[];
  report?: { configMap: string };
};
const incident = async (ns: string, name: string) =>
  ((await custom.getNamespacedCustomObject({ ...G, namespace: ns, plural: 'incidents', name })) as { status?: IncidentStatus }).status ?? {};
const incidentObject = async (ns: string, name: string) =>
  (await custom.getNamespacedCustomObject({ ...G, namespace: ns, plural: 'incidents', name })) as { metadata: { finalizers?: string[]; deletionTimestamp?: string } };
const FINALIZER = 'holdfast.dev/incident';
const cond = (s: IncidentStatus, type: string) => s.conditions?.find((c) => c.type === type);
const list = async (ns: string, plural: string, labelSelector?: string) =>
  ((await custom.listNamespacedCustomObject({ ...G, namespace: ns, plural, ...(labelSelector ? { labelSelector } : {}) })) as { items: { metadata: { name: string; labels?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] }; spec: Record<string, unknown>; status?: Record<string, unknown> }[] }).items;

function statefulSet(name: string, claim: string, secret: string): k8s.V1StatefulSet {
  return {
    metadata: { name },
    spec: {
      replicas: 1,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'db', image: V1, volumeMounts: [{ name: 'data', mountPath: '/var/lib/db' }, { name: 'tls', mountPath: '/etc/tls' }] }],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }, { name: 'tls', secret: { secretName: secret } }],
        },
      },
    },
  };
}

/** What the approval gate must leave alone: workload spec, TLS key, and any Restore or incident Job. */
async function clusterState(ns: string) {
  const s = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' });
  const tls = await core.readNamespacedSecret({ namespace: ns, name: 'db-tls' }).catch(() => undefined);
  return {
    replicas: s.spec!.replicas,
    image: s.spec!.template.spec!.containers[0]!.image,
    generation: s.metadata!.generation,
    key: tls?.data?.['tls.key'],
    restores: (await list(ns, 'restores')).length,
    jobs: (await batch.listNamespacedJob({ namespace: ns })).items.filter((j) => j.metadata?.labels?.['holdfast.dev/incident']).length,
    pods: (await core.listNamespacedPod({ namespace: ns })).items.map((p) => p.metadata!.name).sort().join(','),
  };
}

/** A triggered backup run of `policy`, its Job finished by the test with `snapshot`; returns the RestorePoint. */
async function backup(ns: string, trigger: string, snapshot: string) {
  await custom.patchNamespacedCustomObject({ ...G, namespace: ns, plural: 'backuppolicies', name: 'nightly', body: { metadata: { annotations: { 'holdfast.dev/trigger': trigger } } } }, merge);
  const job = await eventually(`the backup Job for ${trigger}`, async () =>
    (await batch.listNamespacedJob({ namespace: ns, labelSelector: 'holdfast.dev/policy=nightly' })).items.find((j) => !j.status?.conditions?.length && !j.metadata?.deletionTimestamp));
  await finishJob(kube.kc, ns, job.metadata!.name!, { ok: true, message: JSON.stringify({ type: 'summary', snapshot, time: new Date().toISOString() }) });
  return eventually(`RestorePoint of ${snapshot}`, async () => (await list(ns, 'restorepoints')).find((r) => r.status?.snapshotId === snapshot));
}

/** A recorded RestorePoint of `pvcNs/data` in `ns`, as the backup controller leaves one. */
/**
 * A RestorePoint as the backup controller records it: the harness's kubelet reports imageID
 * `registry.example/shop-db@<digest>`, so the provenance has that pullable reference beside the digest.
 */
async function restorePoint(ns: string, name: string, time: string, recorded: Record<string, string>, pvcNs = ns) {
  const workload = recorded.imageDigest && !recorded.imageRef ? { ...recorded, imageRef: `registry.example/shop-db@${recorded.imageDigest}` } : recorded;
  const rpApi = { ...G, namespace: ns, plural: 'restorepoints' };
  await custom.createNamespacedCustomObject({ ...rpApi, body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'RestorePoint', metadata: { name }, spec: { repository: 'main', pvc: { namespace: pvcNs, name: 'data' } } } });
  await custom.patchNamespacedCustomObjectStatus({ ...rpApi, name, body: { status: { snapshotId: `s-${name}`, time, provenance: { workloads: [workload] } } } }, merge);
}

/** A backup Secret and BackupRepository `main` in `ns`. */
async function repository(ns: string) {
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'repo' }, stringData: { password: 'pw' } } });
  await custom.createNamespacedCustomObject({ ...G, namespace: ns, plural: 'backuprepositories', body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupRepository', metadata: { name: 'main' }, spec: { url: `s3:https://minio.example:9000/b/${ns}`, credentials: { secretName: 'repo' } } } });
}

const incidentJobs = async (ns: string) => (await batch.listNamespacedJob({ namespace: ns, labelSelector: 'holdfast.dev/incident=cve' })).items;

test('an approved Incident restores the last clean point in place, keeps evidence, restarts on digest A, reissues TLS and reports — across two operator crashes', playsControllers, async () => {
  const ns = await kube.namespace('shop');
  players.push(playWorkloads(kube.kc, ns, digestOf));
  await repository(ns);
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc('data') });
  await custom.createNamespacedCustomObject({ ...G, namespace: ns, plural: 'certificatepolicies', body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'CertificatePolicy', metadata: { name: 'db' }, spec: { secretName: 'db-tls', dnsNames: [`db.${ns}.svc`], lifetime: '720h' } } });
  await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('db', 'data', 'db-tls') });
  await custom.createNamespacedCustomObject({ ...G, namespace: ns, plural: 'backuppolicies', body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name: 'nightly' }, spec: { repository: 'main', schedule: '0 3 * * *' } } });
  let op = latestOp();

  // v1 (A) runs with its certificate rolled out, and is backed up.
  const cp = async () => ((await custom.getNamespacedCustomObject({ ...G, namespace: ns, plural: 'certificatepolicies', name: 'db' })) as { status?: { serial?: string; conditions?: Cond[] } }).status ?? {};
  const serial1 = await eventually('the certificate rolled out', async () => {
    const s = await cp();
    return s.conditions?.some((c) => c.type === 'RolledOut' && c.status === 'True' && c.reason === 'Complete') ? s.serial : undefined;
  });
  await eventually('db-0 on digest A', async () => (await core.readNamespacedPod({ namespace: ns, name: 'db-0' }).catch(() => undefined))?.status?.containerStatuses?.[0]?.imageID?.endsWith(DIGEST_A));
  const rp1 = await backup(ns, 't1', 'snap-v1');
  assert.deepEqual((rp1.status!.provenance as { workloads: { workload: string; imageDigest: string }[] }).workloads.map((w) => [w.workload, w.imageDigest]), [[`${ns}/StatefulSet/db`, DIGEST_A]]);

  // v2 (B) is rolled out and backed up.
  await apps.patchNamespacedStatefulSet({ namespace: ns, name: 'db', body: { spec: { template: { spec: { containers: [{ name: 'db', image: V2 }] } } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
  await eventually('db-0 on digest B', async () => (await core.readNamespacedPod({ namespace: ns, name: 'db-0' }).catch(() => undefined))?.status?.containerStatuses?.[0]?.imageID?.endsWith(DIGEST_B));
  await new Promise((r) => setTimeout(r, 20)); // the second backup's time is strictly later
  const rp2 = await backup(ns, 't2', 'snap-v2');
  assert.notEqual(rp2.metadata.name, rp1.metadata.name);

  // The Incident plans at once and changes nothing before approval.
  const before = await clusterState(ns);
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'incidents',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'Incident', metadata: { name: 'cve' }, spec: { pvc: 'data', vulnerable: { imageDigests: [DIGEST_B], finding: FINDING }, clean: { imageDigests: [DIGEST_A] } } },
  });
  const planned = await eventually('AwaitingApproval', async () => {
    const s = await incident(ns, 'cve');
    return s.phase === 'AwaitingApproval' ? s : undefined;
  });
  assert.equal(planned.plan!.restorePoint, `${ns}/${rp1.metadata.name}`, 'the v1 point is chosen');
  assert.equal(planned.plan!.snapshotId, 'snap-v1');
  assert.equal(planned.plan!.decision, 'chosen');
  assert.ok(planned.plan!.reasoning!.some((l) => l.startsWith('1 restore point(s) taken at or after the exposure are not candidates')), planned.plan!.reasoning!.join('\n'));
  assert.ok(planned.plan!.reasoning!.some((l) => l.startsWith('restore point snap-v1') && l.includes('chosen')), planned.plan!.reasoning!.join('\n'));
  assert.deepEqual(planned.plan!.workloads, ['StatefulSet/db']);
  assert.deepEqual(planned.plan!.certificatePolicies, ['db']);
  assert.deepEqual([cond(planned, 'Approved')?.status, cond(planned, 'Approved')?.reason], ['False', 'AwaitingApproval']);
  assert.deepEqual(planned.steps!.map((s) => [s.name, s.phase]), [
    ['assess', 'Completed'], ['choose', 'Completed'], ['quiesce', 'Pending'], ['evidence', 'Pending'], ['restore', 'Pending'],
    ['restart', 'Pending'], ['rotate-tls', 'Pending'], ['verify', 'Pending'], ['report', 'Pending'],
  ]);
  op.resync();
  await op.idle();
  assert.deepEqual(await clusterState(ns), before, 'nothing changed before approval');
  const printed = kube.kubectl(['get', 'hfincident', '-n', ns]);
  assert.match(printed.stdout.split('\n')[0]!, /^NAME\s+PVC\s+PHASE\s+RESTORE POINT\s+AGE/, printed.stderr);
  assert.match(printed.stdout, new RegExp(`cve\\s+data\\s+AwaitingApproval\\s+${ns}/${rp1.metadata.name}`));

  // A second Incident on the same PVC is refused while this one is active.
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'incidents',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'Incident', metadata: { name: 'cve-again' }, spec: { pvc: 'data', approved: true, vulnerable: { imageDigests: [DIGEST_B] }, clean: { imageDigests: [DIGEST_A] } } },
  });
  const second = await eventually('the second Incident refused', async () => {
    const s = await incident(ns, 'cve-again');
    return s.phase === 'Failed' ? s : undefined;
  });
  assert.equal(cond(second, 'Ready')?.reason, 'IncidentActive');
  assert.match(cond(second, 'Ready')!.message, /Incident cve is already active on PVC data \(phase AwaitingApproval\)/);
  await op.idle();
  assert.deepEqual(await clusterState(ns), before, 'nothing changed by the refused Incident');

  // Approved: quiesce and the evidence Job; the operator crashes with the Job running.
  const reconcilesBefore = op.incidentReconciles();
  const callsBefore = op.apis.kc.calls;
  await custom.patchNamespacedCustomObject({ ...G, namespace: ns, plural: 'incidents', name: 'cve', body: { spec: { approved: true } } }, merge);
  const [evJob] = await eventually('the evidence Job', async () => {
    const j = await incidentJobs(ns);
    return j.length ? j : undefined;
  });
  assert.ok(evJob!.spec!.template.spec!.containers[0]!.args!.includes('incident-evidence'), 'tagged as evidence');
  assert.equal(evJob!.spec!.template.spec!.volumes!.find((v) => v.name === 'data')!.persistentVolumeClaim!.claimName, 'data');
  assert.equal((await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' })).spec!.replicas, 0, 'scaled down before the evidence backup');
  assert.equal((await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=db' })).items.length, 0, 'no pod mounts the PVC');
  const mid = await incident(ns, 'cve');
  assert.equal(mid.phase, 'Running');
  assert.deepEqual([cond(mid, 'Approved')?.status], ['True']);
  const counted = [op.incidentReconciles() - reconcilesBefore, op.apis.kc.calls - callsBefore];
  await op.stop({ release: false });

  await finishJob(kube.kc, ns, evJob!.metadata!.name!, { ok: true, message: JSON.stringify({ type: 'summary', snapshot: 'snap-evidence', time: new Date().toISOString() }) });
  const reconciles = [counted[0]!];
  op = await operator('op-2');
  const restore = await eventually('the Restore', async () => (await list(ns, 'restores')).find((r) => r.metadata.labels?.['holdfast.dev/incident'] === 'cve'), 20_000);
  reconciles.push(op.incidentReconciles());
  await op.stop({ release: false });

  op = await operator('op-3');
  const op3Calls = op.apis.kc.calls;
  const rJob = await eventually('the restore Job', async () => (await batch.listNamespacedJob({ namespace: ns, labelSelector: `holdfast.dev/restore=${restore.metadata.name}` })).items[0], 20_000);
  // In place the PVC becomes exactly the v1 point, checked against its manifest by the data mover itself.
  assert.deepEqual(rJob.spec!.template.spec!.containers[0]!.args!.filter((a) => a.startsWith('--') && a !== '--target' && a !== '--repo'), ['--overwrite', '--delete', '--verify', '--json']);
  await finishJob(kube.kc, ns, rJob.metadata!.name!, { ok: true, message: '{}' });
  const done = await eventually('Succeeded', async () => {
    const s = await incident(ns, 'cve');
    if (s.phase === 'Failed') throw new Error(`Failed: ${JSON.stringify(s.conditions)}`);
    return s.phase === 'Succeeded' ? s : undefined;
  }, 60_000);

  // The restore: InPlace from the v1 point, owned by the Incident; exactly one, and one evidence Job.
  assert.deepEqual(restore.spec, { restorePoint: rp1.metadata.name, target: { mode: 'InPlace' } });
  assert.deepEqual(restore.metadata.ownerReferences?.map((o) => [o.kind, o.name]), [['Incident', 'cve']]);
  assert.equal((await list(ns, 'restores')).length, 1, 'one Restore across three operators');
  assert.equal((await incidentJobs(ns)).length, 1, 'one evidence Job across three operators');
  // The evidence: a RestorePoint of the v2 state, labelled, recording digest B.
  const evRp = (await list(ns, 'restorepoints', 'holdfast.dev/evidence=true'));
  assert.equal(evRp.length, 1);
  assert.equal(evRp[0]!.status!.snapshotId, 'snap-evidence');
  assert.deepEqual((evRp[0]!.status!.provenance as { workloads: { imageDigest: string }[] }).workloads.map((w) => w.imageDigest), [DIGEST_B]);
  assert.equal(done.evidence!.restorePoint, `${ns}/${evRp[0]!.metadata.name}`);
  // The workload runs digest A, pinned.
  const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' });
  assert.equal(sts.spec!.replicas, 1);
  assert.equal(sts.spec!.template.spec!.containers[0]!.image, `registry.example/shop-db@${DIGEST_A}`);
  const pod = await core.readNamespacedPod({ namespace: ns, name: 'db-0' });
  assert.ok(pod.status!.containerStatuses![0]!.imageID!.endsWith(DIGEST_A));
  // The TLS Secret has a new key, from the same CA.
  const tls = await core.readNamespacedSecret({ namespace: ns, name: 'db-tls' });
  assert.notEqual(tls.data!['tls.key'], before.key, 'a new private key');
  const leaf = new X509Certificate(Buffer.from(tls.data!['tls.crt']!, 'base64'));
  assert.notEqual(leaf.serialNumber.toLowerCase(), serial1);
  const cert = done.certificates![0]!;
  assert.deepEqual([cert.policy, cert.oldSerial, cert.newSerial], ['db', serial1, leaf.serialNumber.toLowerCase()]);
  assert.notEqual(cert.oldKeyId, cert.newKeyId);
  assert.equal(sts.spec!.template.metadata!.annotations!['tls.holdfast.dev/db-tls'], leaf.serialNumber.toLowerCase(), 'the workload was rolled to the new certificate');
  const cpAfter = (await custom.getNamespacedCustomObject({ ...G, namespace: ns, plural: 'certificatepolicies', name: 'db' })) as { metadata: { annotations?: Record<string, string> }; status?: { handledReissue?: string } };
  assert.ok(cpAfter.metadata.annotations?.['holdfast.dev/reissue']?.startsWith('cve-'));
  assert.equal(cpAfter.status?.handledReissue, cpAfter.metadata.annotations?.['holdfast.dev/reissue'], 'the certificate controller acted on the reissue once');
  const cpEvents = (await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=db,involvedObject.kind=CertificatePolicy' })).items.map((e) => `${e.reason}: ${e.message}`);
  assert.ok(cpEvents.some((e) => e.startsWith('Reissued: reissued Secret') && e.includes('holdfast.dev/reissue=cve-')), cpEvents.join('\n'));
  // The report names the finding, the restore point and why, the evidence and both serials.
  const report = (await core.readNamespacedConfigMap({ namespace: ns, name: 'cve-report' })).data!['report.md']!;
  for (const want of [FINDING.id, FINDING.ruleId, rp1.metadata.name, 'snap-v1', 'snap-evidence', serial1!, leaf.serialNumber.toLowerCase(), 'the latest with only clean versions', '| report | report | Completed | 1 |'])
    assert.ok(report.includes(want), `report.md lacks ${want}:\n${report}`);
  assert.doesNotMatch(report, /PRIVATE KEY/);
  // Phases and conditions: every step completed; the crashes show as no second attempt of a completed step.
  assert.ok(done.steps!.every((s) => s.phase === 'Completed' && s.attempts === 1 && s.startedAt && s.completedAt), JSON.stringify(done.steps));
  assert.deepEqual([cond(done, 'Ready')?.status, cond(done, 'Ready')?.reason], ['True', 'Succeeded']);
  const events = (await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=cve' })).items.map((e) => e.reason);
  for (const r of ['AwaitingApproval', 'StepStarted', 'StepCompleted', 'ScaledDown', 'EvidencePreserved', 'RestoreCreated', 'Restarted', 'ReissueRequested', 'Succeeded']) assert.ok(events.includes(r), `no ${r} Event: ${events.join(', ')}`);
  reconciles.push(op.incidentReconciles());
  // Measured, not asserted (the count depends on watch timing): reported in the final notes.
  console.log(`# incident reconciles after approval: ${reconciles.join(' + ')} (op-1 to the evidence Job, op-2 to the Restore, op-3 to Succeeded); API calls: op-1 ${counted[1]} from approval, op-3 ${op.apis.kc.calls - op3Calls} after its start (caches and lease included)`);
});

test('an Incident with no clean restore point fails with NoCleanRestorePoint and the options, and changes nothing', playsControllers, async () => {
  const ns = await kube.namespace('refuse');
  players.push(playWorkloads(kube.kc, ns, digestOf));
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc('data') });
  await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('db', 'data', 'db-tls') });
  await eventually('db-0 running', async () => (await core.readNamespacedPod({ namespace: ns, name: 'db-0' }).catch(() => undefined))?.status?.phase === 'Running');
  await restorePoint(ns, 'p1', '2026-11-01T03:00:00Z', { workload: `${ns}/StatefulSet/db`, imageDigest: DIGEST_A });
  await restorePoint(ns, 'p2', '2026-11-02T03:00:00Z', { workload: `${ns}/StatefulSet/db`, imageDigest: DIGEST_B });
  await latestOp().idle();
  const before = await clusterState(ns);
  // Both versions are vulnerable, and the Incident is even approved: still nothing may change.
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'incidents',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'Incident', metadata: { name: 'cve' }, spec: { pvc: 'data', approved: true, vulnerable: { imageDigests: [DIGEST_A, DIGEST_B] } } },
  });
  const s = await eventually('Failed', async () => {
    const x = await incident(ns, 'cve');
    return x.phase === 'Failed' ? x : undefined;
  });
  const ready = cond(s, 'Ready')!;
  assert.equal(ready.reason, 'NoCleanRestorePoint');
  assert.match(ready.message, /no restore point can be chosen, nothing was changed/);
  assert.match(ready.message, /options: .*spec\.clean\.imageDigests.*spec\.onUnknown: Skip.*Restore/);
  assert.equal(s.plan!.decision, 'refused');
  assert.ok(s.plan!.reasoning!.some((l) => l.includes('s-p1') || l.includes('not candidates')), s.plan!.reasoning!.join('\n'));
  assert.deepEqual(s.steps!.map((x) => x.phase), ['Completed', 'Failed', 'Pending', 'Pending', 'Pending', 'Pending', 'Pending', 'Pending', 'Pending']);
  latestOp().resync();
  await latestOp().idle();
  assert.deepEqual(await clusterState(ns), before, 'nothing changed');
  assert.equal((await incidentObject(ns, 'cve')).metadata.finalizers, undefined, 'no finalizer: it changed nothing, so a deletion has nothing to undo');
  const events = (await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=cve' })).items.map((e) => `${e.type} ${e.reason}`);
  assert.ok(events.includes('Warning NoCleanRestorePoint'), events.join(', '));
});

test('a failed evidence backup stops the Incident before the restore (Failed, no Restore, the PVC untouched), a failed Restore stops it naming the evidence, and holdfast.dev/retry resumes each to Succeeded', playsControllers, async () => {
  const ns = await kube.namespace('evfail');
  players.push(playWorkloads(kube.kc, ns, digestOf));
  await repository(ns);
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc('data') });
  const sts = statefulSet('db', 'data', 'db-tls');
  sts.spec!.template.spec!.containers[0]!.image = V2;
  await apps.createNamespacedStatefulSet({ namespace: ns, body: sts });
  await restorePoint(ns, 'p1', '2026-11-01T03:00:00Z', { workload: `${ns}/StatefulSet/db`, imageDigest: DIGEST_A });
  await eventually('db-0 on digest B', async () => (await core.readNamespacedPod({ namespace: ns, name: 'db-0' }).catch(() => undefined))?.status?.containerStatuses?.[0]?.imageID?.endsWith(DIGEST_B));
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'incidents',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'Incident', metadata: { name: 'cve' }, spec: { pvc: 'data', approved: true, vulnerable: { imageDigests: [DIGEST_B] }, clean: { imageDigests: [DIGEST_A] }, certificatePolicies: [] } },
  });
  const [job] = await eventually('the evidence Job', async () => {
    const j = await incidentJobs(ns);
    return j.length ? j : undefined;
  });
  await finishJob(kube.kc, ns, job!.metadata!.name!, { ok: false, message: 'repository unreachable' });
  const s = await eventually('Failed', async () => {
    const x = await incident(ns, 'cve');
    return x.phase === 'Failed' ? x : undefined;
  });
  assert.equal(cond(s, 'Ready')?.reason, 'EvidenceBackupFailed');
  assert.match(cond(s, 'Ready')!.message, /step evidence: evidence backup Job .* failed: BackoffLimitExceeded.*the PVC is untouched/);
  assert.deepEqual(s.steps!.map((x) => x.phase), ['Completed', 'Completed', 'Completed', 'Failed', 'Pending', 'Pending', 'Pending', 'Pending', 'Pending']);
  assert.equal((await list(ns, 'restores')).length, 0, 'no restore without evidence');
  assert.equal((await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' })).spec!.replicas, 0, 'the workload stays stopped: the vulnerable version is not brought back');
  assert.equal(s.workloads![0]!.replicas, 1, 'the replicas to scale back to are recorded');
  latestOp().resync();
  await latestOp().idle();
  assert.equal((await incident(ns, 'cve')).phase, 'Failed', 'Failed is final until a retry is asked for');

  // The repository is fixed; a retry resumes from the failed step with a new evidence Job.
  await custom.patchNamespacedCustomObject({ ...G, namespace: ns, plural: 'incidents', name: 'cve', body: { metadata: { annotations: { 'holdfast.dev/retry': '1' } } } }, merge);
  const second = await eventually('a second evidence Job', async () => (await incidentJobs(ns)).find((j) => j.metadata!.name !== job!.metadata!.name));
  await finishJob(kube.kc, ns, second.metadata!.name!, { ok: true, message: '{"snapshotId":"s-evidence"}' });
  // The restore fails midway: the run stops at a clear state naming the evidence, and resumes again.
  const restore = await eventually('the Restore', async () => (await list(ns, 'restores'))[0]);
  const rJob = await eventually('the restore Job', async () => (await batch.listNamespacedJob({ namespace: ns, labelSelector: `holdfast.dev/restore=${restore.metadata.name}` })).items[0]);
  await finishJob(kube.kc, ns, rJob.metadata!.name!, { ok: false, message: 'connection reset' });
  const stopped = await eventually('Failed at the restore', async () => {
    const x = await incident(ns, 'cve');
    return x.phase === 'Failed' ? x : undefined;
  });
  assert.equal(cond(stopped, 'Ready')?.reason, 'RestoreFailed');
  assert.match(cond(stopped, 'Ready')!.message, /step restore: Restore .* failed: .*the evidence RestorePoint .* holds the state before it/);
  assert.equal((await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' })).spec!.replicas, 0, 'nothing starts on a half-restored volume');
  await custom.patchNamespacedCustomObject({ ...G, namespace: ns, plural: 'incidents', name: 'cve', body: { metadata: { annotations: { 'holdfast.dev/retry': '2' } } } }, merge);
  const restore2 = await eventually('a second Restore', async () => (await list(ns, 'restores')).find((r) => r.metadata.name !== restore.metadata.name));
  const rJob2 = await eventually('its Job', async () => (await batch.listNamespacedJob({ namespace: ns, labelSelector: `holdfast.dev/restore=${restore2.metadata.name}` })).items[0]);
  await finishJob(kube.kc, ns, rJob2.metadata!.name!, { ok: true, message: '{}' });
  const ok = await eventually('Succeeded', async () => {
    const x = await incident(ns, 'cve');
    return x.phase === 'Succeeded' ? x : undefined;
  }, 30_000);
  assert.deepEqual(ok.steps!.map((x) => x.attempts), [1, 1, 1, 2, 2, 1, 1, 1, 1], 'only the failed steps ran again');
  assert.equal((await incidentJobs(ns)).length, 2, 'the failed evidence Job stays as the record');
  assert.equal((await list(ns, 'restorepoints', 'holdfast.dev/evidence=true')).length, 1);
  assert.equal((await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' })).spec!.replicas, 1);
  const events = (await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=cve' })).items.map((e) => e.reason);
  assert.ok(events.includes('Retried'), events.join(', '));
});

test('a Deployment whose RestorePoints and repository live in the backup team\'s namespace: the Restore goes there, the repository Secret is mirrored for the evidence Job', playsControllers, async () => {
  const team = await kube.namespace('backups');
  const ns = await kube.namespace('app');
  players.push(playWorkloads(kube.kc, ns, digestOf));
  await repository(team);
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc('data') });
  // A Deployment this time: its pods belong to it through a ReplicaSet.
  const sts = statefulSet('db', 'data', 'db-tls');
  sts.spec!.template.spec!.containers[0]!.image = V2;
  await apps.createNamespacedDeployment({ namespace: ns, body: { metadata: { name: 'db' }, spec: { replicas: 1, selector: sts.spec!.selector, template: sts.spec!.template } } });
  await restorePoint(team, 'app-data-1', '2026-11-01T03:00:00Z', { workload: `${ns}/Deployment/db`, container: 'db', image: V1, imageDigest: DIGEST_A }, ns);
  await eventually('the pod on digest B', async () => (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=db' })).items[0]?.status?.containerStatuses?.[0]?.imageID?.endsWith(DIGEST_B));
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'incidents',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'Incident', metadata: { name: 'cve' }, spec: { pvc: 'data', approved: true, vulnerable: { imageDigests: [DIGEST_B] }, clean: { imageDigests: [DIGEST_A] } } },
  });
  const [job] = await eventually('the evidence Job', async () => {
    const j = await incidentJobs(ns);
    return j.length ? j : undefined;
  });
  assert.equal(job!.spec!.template.spec!.containers[0]!.env!.find((e) => e.name === 'HOLDFAST_PASSWORD')!.valueFrom!.secretKeyRef!.name, 'holdfast-repo-main');
  assert.equal(Buffer.from((await core.readNamespacedSecret({ namespace: ns, name: 'holdfast-repo-main' })).data!.password!, 'base64').toString(), 'pw');
  await finishJob(kube.kc, ns, job!.metadata!.name!, { ok: true, message: '{"snapshotId":"s-evidence"}' });
  const restore = await eventually('the Restore in the team namespace', async () => (await list(team, 'restores')).find((r) => r.metadata.labels?.['holdfast.dev/incident-namespace'] === ns));
  assert.equal(restore.metadata.ownerReferences, undefined, 'no owner across namespaces');
  assert.deepEqual(restore.spec, { restorePoint: 'app-data-1', target: { mode: 'InPlace' } });
  const rJob = await eventually('the restore Job in the app namespace', async () => (await batch.listNamespacedJob({ namespace: ns, labelSelector: `holdfast.dev/restore=${restore.metadata.name}` })).items[0]);
  await finishJob(kube.kc, ns, rJob.metadata!.name!, { ok: true, message: '{}' });
  const s = await eventually('Succeeded', async () => {
    const x = await incident(ns, 'cve');
    if (x.phase === 'Failed') throw new Error(`Failed: ${JSON.stringify(x.conditions)}`);
    return x.phase === 'Succeeded' ? x : undefined;
  }, 30_000);
  assert.equal(s.evidence!.restorePoint?.split('/')[0], team, 'the evidence RestorePoint sits beside the others');
  const dep = await apps.readNamespacedDeployment({ namespace: ns, name: 'db' });
  assert.deepEqual([dep.spec!.replicas, dep.spec!.template.spec!.containers[0]!.image], [1, `registry.example/shop-db@${DIGEST_A}`]);
  assert.deepEqual(s.plan!.workloads, ['Deployment/db']);
  assert.match((await core.readNamespacedConfigMap({ namespace: ns, name: 'cve-report' })).data!['report.md']!, /no CertificatePolicy serves the affected workloads/);

  // Succeeded: nothing is left to undo, so the finalizer is off and a deletion goes through at once.
  await eventually('the finalizer off the Succeeded Incident', async () => !(await incidentObject(ns, 'cve')).metadata.finalizers?.includes(FINALIZER));
  await custom.deleteNamespacedCustomObject({ ...G, namespace: ns, plural: 'incidents', name: 'cve' });
  await assert.rejects(incidentObject(ns, 'cve'), (e: { code?: number }) => e.code === 404, 'gone without waiting for the operator');
  assert.equal((await list(team, 'restorepoints', 'holdfast.dev/evidence=true')).length, 1, 'the evidence RestorePoint stays');
});

/** A two-replica StatefulSet on v2 (digest B) over PVC data, and an approved Incident held at its evidence backup (the Job exists). */
async function incidentAtEvidence(prefix: string): Promise<string> {
  const ns = await kube.namespace(prefix);
  players.push(playWorkloads(kube.kc, ns, digestOf));
  await repository(ns);
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc('data') });
  const sts = statefulSet('db', 'data', 'db-tls');
  sts.spec!.replicas = 2;
  sts.spec!.template.spec!.containers[0]!.image = V2;
  await apps.createNamespacedStatefulSet({ namespace: ns, body: sts });
  await restorePoint(ns, 'p1', '2026-11-01T03:00:00Z', { workload: `${ns}/StatefulSet/db`, imageDigest: DIGEST_A });
  await eventually('two pods on digest B', async () => (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=db' })).items.filter((p) => p.status?.containerStatuses?.[0]?.imageID?.endsWith(DIGEST_B)).length === 2);
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'incidents',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'Incident', metadata: { name: 'cve' }, spec: { pvc: 'data', approved: true, vulnerable: { imageDigests: [DIGEST_B] }, clean: { imageDigests: [DIGEST_A] }, certificatePolicies: [] } },
  });
  await eventually('the evidence Job', async () => (await incidentJobs(ns)).length > 0);
  return ns;
}

test('spec.abort during the evidence backup scales the workload back to its recorded replicas and image, keeps the evidence, and restores nothing', playsControllers, async () => {
  const ns = await incidentAtEvidence('abort');
  // Abort once the status says so, as a user watching `kubectl get` would: the Job is visible a moment before.
  await eventually('the evidence step running in status', async () => (await incident(ns, 'cve')).steps?.find((x) => x.uses === 'preserve-evidence')?.phase === 'Running');
  assert.equal((await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' })).spec!.replicas, 0);
  await custom.patchNamespacedCustomObject({ ...G, namespace: ns, plural: 'incidents', name: 'cve', body: { spec: { abort: true } } }, merge);
  const s = await eventually('Aborted', async () => {
    const x = await incident(ns, 'cve');
    return x.phase === 'Aborted' ? (x as IncidentStatus & { abort?: { undone: string[]; notUndone: { step: string; why: string }[] } }) : undefined;
  });
  assert.deepEqual(s.abort!.undone, ['quiesce: StatefulSet db back to 2 replica(s)']);
  assert.deepEqual(s.abort!.notUndone.map((n) => n.step), ['evidence']);
  assert.equal(cond(s, 'Ready')?.reason, 'Aborted');
  const back = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' });
  assert.deepEqual([back.spec!.replicas, back.spec!.template.spec!.containers[0]!.image], [2, V2], 'as it was before the incident');
  await eventually('the pods back', async () => (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=db' })).items.length === 2);
  assert.equal((await list(ns, 'restores')).length, 0, 'nothing restored');
  assert.equal((await incidentJobs(ns)).length, 1, 'the evidence Job is kept');
  await eventually('the finalizer off the Aborted Incident', async () => !(await incidentObject(ns, 'cve')).metadata.finalizers?.includes(FINALIZER));
});

test('deleting an Incident during its evidence backup runs the abort\'s undo first: the workload is back on its recorded replicas and image, the finalizer is removed, the object is gone, the evidence stays', playsControllers, async () => {
  const ns = await incidentAtEvidence('delete');
  assert.equal((await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' })).spec!.replicas, 0, 'scaled to zero mid-run');
  assert.deepEqual((await incidentObject(ns, 'cve')).metadata.finalizers, [FINALIZER], 'the finalizer went on before the first change');

  await custom.deleteNamespacedCustomObject({ ...G, namespace: ns, plural: 'incidents', name: 'cve' });
  await eventually('the Incident gone', async () => {
    try {
      await incidentObject(ns, 'cve');
      return false;
    } catch (e) {
      if ((e as { code?: number }).code === 404) return true;
      throw e;
    }
  });
  const back = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' });
  assert.deepEqual([back.spec!.replicas, back.spec!.template.spec!.containers[0]!.image], [2, V2], 'as it was before the incident');
  await eventually('the pods back', async () => (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=db' })).items.length === 2);
  assert.equal((await list(ns, 'restores')).length, 0, 'nothing restored');
  assert.equal((await incidentJobs(ns)).length, 1, 'the evidence Job is kept');
  const events = (await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=cve' })).items.filter((e) => e.reason === 'DeletedMidRun');
  assert.equal(events.length, 1);
  assert.equal(events[0]!.type, 'Warning');
  assert.match(events[0]!.message!, /^deleted while Running: undone: quiesce: StatefulSet db back to 2 replica\(s\); not undone: evidence \(evidence is never deleted\); the evidence Job .* is kept$/);
});

test('a spec edited before approval is planned again, so what is approved is what the spec says now', playsControllers, async () => {
  const ns = await kube.namespace('replan');
  players.push(playWorkloads(kube.kc, ns, digestOf));
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc('data') });
  await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('db', 'data', 'db-tls') });
  const C = 'sha256:' + 'c3'.repeat(32);
  await restorePoint(ns, 'p1', '2026-11-01T03:00:00Z', { workload: `${ns}/StatefulSet/db`, imageDigest: DIGEST_A });
  await restorePoint(ns, 'p2', '2026-11-02T03:00:00Z', { workload: `${ns}/StatefulSet/db`, imageDigest: C });
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'incidents',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'Incident', metadata: { name: 'cve' }, spec: { pvc: 'data', vulnerable: { imageDigests: [DIGEST_B] }, clean: { imageDigests: [DIGEST_A, C] } } },
  });
  const first = await eventually('the first plan', async () => {
    const s = await incident(ns, 'cve');
    return s.phase === 'AwaitingApproval' ? s : undefined;
  });
  assert.equal(first.plan!.restorePoint, `${ns}/p2`);
  // C turns out to be vulnerable too.
  await custom.patchNamespacedCustomObject({ ...G, namespace: ns, plural: 'incidents', name: 'cve', body: { spec: { vulnerable: { imageDigests: [DIGEST_B, C] } } } }, merge);
  const second = await eventually('the new plan', async () => {
    const s = await incident(ns, 'cve');
    return s.phase === 'AwaitingApproval' && s.plan?.restorePoint === `${ns}/p1` ? s : undefined;
  });
  assert.deepEqual(second.steps!.slice(0, 2).map((x) => [x.name, x.phase, x.attempts]), [['assess', 'Completed', 2], ['choose', 'Completed', 2]]);
  assert.equal((await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' })).spec!.replicas, 1, 'still nothing changed');
  const events = (await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=cve' })).items.map((e) => e.reason);
  assert.ok(events.includes('Replanned'), events.join(', '));
});

test('backups of a PVC pause while an Incident runs on it (the evidence Job is its only backup), are recorded as paused naming the Incident, not failed, and start again once it is aborted', playsControllers, async () => {
  const ns = await kube.namespace('hold');
  players.push(playWorkloads(kube.kc, ns, digestOf));
  await repository(ns);
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc('data') });
  const sts = statefulSet('db', 'data', 'db-tls');
  sts.spec!.template.spec!.containers[0]!.image = V2;
  await apps.createNamespacedStatefulSet({ namespace: ns, body: sts });
  await restorePoint(ns, 'p1', '2026-11-01T03:00:00Z', { workload: `${ns}/StatefulSet/db`, imageDigest: DIGEST_A });
  await custom.createNamespacedCustomObject({ ...G, namespace: ns, plural: 'backuppolicies', body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name: 'nightly' }, spec: { repository: 'main', schedule: '0 3 * * *' } } });
  await eventually('db-0 on digest B', async () => (await core.readNamespacedPod({ namespace: ns, name: 'db-0' }).catch(() => undefined))?.status?.containerStatuses?.[0]?.imageID?.endsWith(DIGEST_B));
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'incidents',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'Incident', metadata: { name: 'cve' }, spec: { pvc: 'data', approved: true, vulnerable: { imageDigests: [DIGEST_B] }, clean: { imageDigests: [DIGEST_A] }, certificatePolicies: [] } },
  });
  await eventually('the evidence Job', async () => (await incidentJobs(ns)).length > 0);
  assert.equal((await incident(ns, 'cve')).phase, 'Running');

  type Policy = { status?: { handledTrigger?: string; currentRun?: unknown; lastRun?: { id: string; succeeded: number; failed: number }; conditions?: Cond[] } };
  const policy = async () => ((await custom.getNamespacedCustomObject({ ...G, namespace: ns, plural: 'backuppolicies', name: 'nightly' })) as Policy).status ?? {};
  const trigger = async (t: string) => custom.patchNamespacedCustomObject({ ...G, namespace: ns, plural: 'backuppolicies', name: 'nightly', body: { metadata: { annotations: { 'holdfast.dev/trigger': t } } } }, merge);
  const policyJobs = async () => (await batch.listNamespacedJob({ namespace: ns, labelSelector: 'holdfast.dev/policy=nightly' })).items;
  await trigger('t1');
  const s = await eventually('the run t1 finished', async () => {
    const x = await policy();
    return x.handledTrigger === 't1' && !x.currentRun && x.lastRun ? x : undefined;
  });
  assert.deepEqual(await policyJobs(), [], 'no backup Job for a PVC an Incident holds');
  assert.deepEqual([s.lastRun!.succeeded, s.lastRun!.failed], [0, 0], 'paused is not a failure');
  const paused = s.conditions!.find((c) => c.type === 'Paused')!;
  assert.deepEqual([paused.status, paused.reason], ['True', 'IncidentActive']);
  assert.match(paused.message, new RegExp(`1 PVC\\(s\\) paused: ${ns}/data: Incident ${ns}/cve \\(Running\\) is running on it: no backup Job is started; its evidence Job is the only backup`));
  const ready = s.conditions!.find((c) => c.type === 'Ready')!;
  assert.deepEqual([ready.status, ready.reason], ['True', 'LastRunSucceeded']);
  // The run's own record (Ready's message moves on to "next run at ..." on the next reconcile).
  const running = s.conditions!.find((c) => c.type === 'Running')!;
  assert.deepEqual([running.reason, running.message], ['RunFinished', `run ${s.lastRun!.id}: 0 succeeded, 0 failed, 1 paused by an Incident`]);
  const events = (await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=nightly,involvedObject.kind=BackupPolicy' })).items;
  const ev = events.filter((e) => e.reason === 'BackupPaused');
  assert.equal(ev.length, 1, events.map((e) => `${e.reason}: ${e.message}`).join('\n'));
  assert.equal(ev[0]!.type, 'Normal');
  assert.match(ev[0]!.message!, new RegExp(`${ns}/data: Incident ${ns}/cve`));
  assert.ok(!events.some((e) => e.type === 'Warning'), events.map((e) => `${e.type} ${e.reason}`).join(', '));

  // Aborted: the hold ends and the next run backs the PVC up again.
  await custom.patchNamespacedCustomObject({ ...G, namespace: ns, plural: 'incidents', name: 'cve', body: { spec: { abort: true } } }, merge);
  await eventually('Aborted', async () => (await incident(ns, 'cve')).phase === 'Aborted');
  await trigger('t2');
  const [job] = await eventually('the backup Job of run t2', async () => {
    const j = await policyJobs();
    return j.length ? j : undefined;
  });
  assert.equal(job!.spec!.template.spec!.volumes!.find((v) => v.name === 'data')!.persistentVolumeClaim!.claimName, 'data');
  await finishJob(kube.kc, ns, job!.metadata!.name!, { ok: true, message: JSON.stringify({ type: 'summary', snapshot: 'snap-after', time: new Date().toISOString() }) });
  const after2 = await eventually('the run t2 finished', async () => {
    const x = await policy();
    return x.handledTrigger === 't2' && !x.currentRun && x.lastRun?.succeeded === 1 ? x : undefined;
  });
  assert.deepEqual(['status', 'reason'].map((k) => after2.conditions!.find((c) => c.type === 'Paused')![k as 'status']), ['False', 'NoIncident']);
});
