/**
 * Disaster recovery on Kubernetes from the repository alone (issue 17), against a real API server
 * and a real S3 server (versitygw, over TLS with a private CA the Secret carries). The shop runs v1
 * (digest A) and is backed up, runs v2 (digest B) and is backed up — each backup the real
 * `holdfast backup` the data mover Job runs, with the Job's own arguments and provenance, its
 * output the Job's termination message. An Incident naming B plans the v1 point. Then every
 * Holdfast resource and the namespace are deleted and the operator replaced; the app, the Secret
 * and the BackupRepository alone are created again, the operator rebuilds the RestorePoints from
 * the bucket, and the same Incident plans the same choice: the plan's JSON byte for byte. A second
 * rebuild request duplicates nothing; a wrong password says so in one line and writes nothing.
 *
 * The test plays the kubelet, the StatefulSet and Job controllers (test/harness/kube-play.ts) and,
 * for the deletion, the namespace and PVC-protection controllers the API-only harness lacks.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { initRepository } from '../../src/backup/index.js';
import { startOperator, type OperatorHandle } from '../../src/operator/manager.js';
import { openBlobStore } from '../../src/storage/index.js';
import { startKube, type Kube } from '../harness/kube.js';
import { bindShippedRbac, DIGEST_A, DIGEST_B, eventually, finishJob, playsControllers, playWorkloads, pvc, testLogger } from '../harness/kube-play.js';
import { startS3Server, type S3TestServer } from '../harness/s3-server.js';
import { holdfast } from '../s3/cli.js';

process.env.HOLDFAST_TEST_FAST_KDF = '1';

const G = { group: 'holdfast.dev', version: 'v1alpha1' };
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const V1 = 'registry.example/shop-db:1.4';
const V2 = 'registry.example/shop-db:2.0';
const digestOf = (image: string) => (image === V2 ? DIGEST_B : DIGEST_A);
const PASSWORD = 'correct horse battery staple';
const HOLDFAST_KINDS = ['incidents', 'restores', 'restorepoints', 'backuppolicies', 'certificatepolicies', 'backuprepositories'];

let kube: Kube;
let s3: S3TestServer;
let unbindRbac: (() => Promise<void>) | undefined;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let batch: k8s.BatchV1Api;
let custom: k8s.CustomObjectsApi;
let ops: string;
let op: OperatorHandle | undefined;
let url: string;
const work = mkdtempSync(join(tmpdir(), 'holdfast-k8s-rebuild-'));
const players: { stop(): Promise<void> }[] = [];

before(async () => {
  kube = await startKube();
  s3 = await startS3Server({ tls: true });
  core = kube.kc.makeApiClient(k8s.CoreV1Api);
  apps = kube.kc.makeApiClient(k8s.AppsV1Api);
  batch = kube.kc.makeApiClient(k8s.BatchV1Api);
  custom = kube.kc.makeApiClient(k8s.CustomObjectsApi);
  ops = await kube.namespace('ops');
  unbindRbac = await bindShippedRbac(kube.kc, kube.userName, ops);
  url = s3.url(s3.buckets.plain, `k8s-rebuild-${Date.now().toString(36)}`);
  await initRepository(await openBlobStore(url, { env: s3.env() }), PASSWORD);
});
after(async () => {
  for (const p of players) await p.stop();
  await op?.stop().catch(() => undefined);
  await unbindRbac?.();
  await kube?.stop();
  await s3?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function startOp(identity: string): Promise<OperatorHandle> {
  return startOperator({
    namespace: ops, kubeConfig: kube.userKubeconfig(), log: testLogger(), identity, dataMoverImage: 'holdfast:test',
    leaseDurationMs: 2000, renewDeadlineMs: 1500, retryMs: 200, backoff: { baseMs: 100, maxMs: 2000 },
  });
}

type Item = { metadata: { name: string; finalizers?: string[]; annotations?: Record<string, string> }; spec?: Record<string, unknown>; status?: Record<string, unknown> };
const list = async (ns: string, plural: string) => ((await custom.listNamespacedCustomObject({ ...G, namespace: ns, plural })) as { items: Item[] }).items;
const get = async (ns: string, plural: string, name: string) => (await custom.getNamespacedCustomObject({ ...G, namespace: ns, plural, name })) as Item;

/** The Secret (password, S3 keys, the endpoint's CA) and BackupRepository `main`: all a disaster leaves to recreate. */
async function repository(ns: string, password = PASSWORD, name = 'main') {
  const ca = readFileSync(s3.caFile!, 'utf8');
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: `${name}-repo` }, stringData: { password, key: s3.accessKeyId, secret: s3.secretAccessKey, 'ca.crt': ca } } });
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'backuprepositories',
    body: {
      apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupRepository', metadata: { name },
      spec: { url, s3: { region: s3.region }, credentials: { secretName: `${name}-repo`, accessKeyIdKey: 'key', secretAccessKeyKey: 'secret', caKey: 'ca.crt' } },
    },
  });
}

/** What a user's GitOps puts back after the disaster: the PVC and the StatefulSet, now on `image`. */
async function app(ns: string, image: string) {
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc('data') });
  await apps.createNamespacedStatefulSet({
    namespace: ns,
    body: {
      metadata: { name: 'db' },
      spec: {
        replicas: 1, serviceName: 'db', selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'db', image, volumeMounts: [{ name: 'data', mountPath: '/var/lib/db' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] },
        },
      },
    },
  });
  await eventually(`db-0 on ${image}`, async () => (await core.readNamespacedPod({ namespace: ns, name: 'db-0' }).catch(() => undefined))?.status?.containerStatuses?.[0]?.imageID?.endsWith(digestOf(image)));
}

/**
 * A triggered backup whose Job runs what a data mover runs: the Job's own `holdfast backup`
 * arguments, with the PVC's content and the provenance file the Job mounts standing in for
 * /data and /etc/holdfast; its JSON output is the termination message the operator reads.
 */
async function backup(ns: string, trigger: string, write: (dir: string) => void): Promise<{ snapshot: string; restorePoint: Item; args: string[] }> {
  await custom.patchNamespacedCustomObject({ ...G, namespace: ns, plural: 'backuppolicies', name: 'nightly', body: { metadata: { annotations: { 'holdfast.dev/trigger': trigger } } } }, merge);
  const job = await eventually(`the backup Job for ${trigger}`, async () =>
    (await batch.listNamespacedJob({ namespace: ns, labelSelector: 'holdfast.dev/policy=nightly' })).items.find((j) => !j.status?.conditions?.length && !j.metadata?.deletionTimestamp));
  const pod = job.spec!.template;
  // One directory, as the PVC is always /data: each backup has the previous one as its parent.
  const data = join(work, ns);
  const prov = join(work, `${ns}-${trigger}-provenance.json`);
  writeFileSync(prov, pod.metadata!.annotations!['holdfast.dev/provenance']!);
  mkdirSync(data, { recursive: true });
  write(data);
  const args = pod.spec!.containers[0]!.args!.map((a) => (a === '/data' ? data : a === '/etc/holdfast/provenance.json' ? prov : a));
  assert.deepEqual(args.slice(0, 4), ['backup', data, '--repo', url]);
  const r = await holdfast(args, s3.env({ HOLDFAST_PASSWORD: PASSWORD, HOLDFAST_TEST_FAST_KDF: '1' }));
  assert.equal(r.code, 0, r.stderr);
  await finishJob(kube.kc, ns, job.metadata!.name!, { ok: true, message: r.stdout });
  const snapshot = (JSON.parse(r.stdout) as { snapshot: string }).snapshot;
  const restorePoint = await eventually(`the RestorePoint of ${trigger}`, async () => (await list(ns, 'restorepoints')).find((p) => p.status?.snapshotId === snapshot));
  return { snapshot, restorePoint, args };
}

/** The RestorePoints as a person or an Incident reads them: name, spec and status, but not the condition saying how each was made. */
async function restorePoints(ns: string): Promise<string> {
  const rps = (await list(ns, 'restorepoints')).map((p) => ({ name: p.metadata.name, spec: p.spec, status: { ...p.status, conditions: undefined } }));
  return JSON.stringify(rps.sort((a, b) => a.name.localeCompare(b.name)));
}

async function plan(ns: string): Promise<string> {
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'incidents',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'Incident', metadata: { name: 'cve' }, spec: { pvc: 'data', vulnerable: { imageDigests: [DIGEST_B] }, clean: { imageDigests: [DIGEST_A] } } },
  });
  const s = await eventually('the Incident awaiting approval', async () => {
    const st = (await get(ns, 'incidents', 'cve')).status as { phase?: string; plan?: unknown } | undefined;
    return st?.phase === 'AwaitingApproval' ? st : undefined;
  });
  return JSON.stringify(s.plan);
}

/**
 * Deletes the namespace as the cluster would: the Incident first (the operator releases its
 * finalizer), then, playing the namespace and PVC-protection controllers, every object in it, then
 * the namespace itself, until the name is free again.
 */
async function deleteNamespace(ns: string) {
  await custom.deleteNamespacedCustomObject({ ...G, namespace: ns, plural: 'incidents', name: 'cve' });
  await eventually('the Incident gone', async () => !(await list(ns, 'incidents')).length);
  await core.deleteNamespace({ name: ns });
  const free = async (items: { metadata?: { name?: string; finalizers?: string[] } }[], del: (n: string) => Promise<unknown>, unfinalize: (n: string) => Promise<unknown>) => {
    for (const i of items) {
      await del(i.metadata!.name!).catch(() => undefined);
      if (i.metadata?.finalizers?.length) await unfinalize(i.metadata.name!).catch(() => undefined);
    }
  };
  for (const plural of HOLDFAST_KINDS)
    await free(await list(ns, plural), (name) => custom.deleteNamespacedCustomObject({ ...G, namespace: ns, plural, name }), (name) => custom.patchNamespacedCustomObject({ ...G, namespace: ns, plural, name, body: { metadata: { finalizers: null } } }, merge));
  await free((await apps.listNamespacedStatefulSet({ namespace: ns })).items, (name) => apps.deleteNamespacedStatefulSet({ namespace: ns, name }), async () => undefined);
  await free((await batch.listNamespacedJob({ namespace: ns })).items, (name) => batch.deleteNamespacedJob({ namespace: ns, name, propagationPolicy: 'Background' }), async () => undefined);
  await free((await core.listNamespacedPod({ namespace: ns })).items, (name) => core.deleteNamespacedPod({ namespace: ns, name, gracePeriodSeconds: 0 }), async () => undefined);
  await free((await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items, (name) => core.deleteNamespacedPersistentVolumeClaim({ namespace: ns, name }), (name) => core.patchNamespacedPersistentVolumeClaim({ namespace: ns, name, body: { metadata: { finalizers: null } } }, merge));
  for (const s of (await core.listNamespacedSecret({ namespace: ns })).items) await core.deleteNamespacedSecret({ namespace: ns, name: s.metadata!.name! }).catch(() => undefined);
  for (const c of (await core.listNamespacedConfigMap({ namespace: ns })).items) await core.deleteNamespacedConfigMap({ namespace: ns, name: c.metadata!.name! }).catch(() => undefined);
  await core.deleteCollectionNamespacedEvent({ namespace: ns });
  const left = await Promise.all(HOLDFAST_KINDS.map((p) => list(ns, p).then((l) => l.length)));
  assert.deepEqual(left, HOLDFAST_KINDS.map(() => 0), 'no Holdfast resource is left');
  await core.replaceNamespaceFinalize({ name: ns, body: { metadata: { name: ns }, spec: { finalizers: [] } } });
  await eventually(`namespace ${ns} gone`, async () => (await core.readNamespace({ name: ns }).catch(() => undefined)) === undefined);
  await core.createNamespace({ body: { metadata: { name: ns, labels: { 'holdfast.dev/test': 'true' } } } });
}

type RepoStatus = { conditions?: { type: string; status: string; reason: string; message: string }[]; rebuild?: { request: string; generation?: number; outcome: string; snapshots: number; recreated: number; existing: number; otherNamespaces: number; missing: string[] } };
const repoStatus = async (ns: string, name = 'main') => ((await get(ns, 'backuprepositories', name)).status ?? {}) as RepoStatus;
const rebuilt = (s: RepoStatus) => s.conditions?.find((c) => c.type === 'Rebuilt');

test('after the namespace and every Holdfast resource are gone, the BackupRepository alone brings back the same RestorePoints and the same incident plan', playsControllers, async () => {
  const ns = await kube.namespace('shop');
  op = await startOp('op-1');
  players.push(playWorkloads(kube.kc, ns, digestOf));
  await repository(ns);
  // On an empty repository the first rebuild finds nothing, and says so.
  const empty = await eventually('the first rebuild', async () => (await repoStatus(ns)).rebuild);
  assert.deepEqual([empty.request, empty.outcome, empty.snapshots, empty.recreated], ['created', 'Rebuilt', 0, 0]);
  await app(ns, V1);
  await custom.createNamespacedCustomObject({ ...G, namespace: ns, plural: 'backuppolicies', body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name: 'nightly' }, spec: { repository: 'main', schedule: '0 3 * * *' } } });
  const orders = (text: string) => (dir: string) => writeFileSync(join(dir, 'orders.txt'), text);
  const v1 = (await backup(ns, 't1', orders('orders written by v1\n'))).snapshot;
  await apps.patchNamespacedStatefulSet({ namespace: ns, name: 'db', body: { spec: { template: { spec: { containers: [{ name: 'db', image: V2 }] } } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
  await eventually('db-0 on digest B', async () => (await core.readNamespacedPod({ namespace: ns, name: 'db-0' }).catch(() => undefined))?.status?.containerStatuses?.[0]?.imageID?.endsWith(DIGEST_B));
  const v2 = (await backup(ns, 't2', orders('orders written by v2\n'))).snapshot;
  assert.notEqual(v1, v2);

  const pointsBefore = await restorePoints(ns);
  const planBefore = await plan(ns);
  assert.equal((JSON.parse(planBefore) as { snapshotId?: string }).snapshotId, v1, planBefore);

  // The disaster: the operator, the namespace and everything Holdfast in it are gone.
  await deleteNamespace(ns);
  await op.stop();
  op = await startOp('op-2');
  await app(ns, V2);
  await repository(ns);
  const run = await eventually('the rebuild from the repository', async () => {
    const s = await repoStatus(ns);
    return s.rebuild ? s : undefined;
  });
  const { startedAt: _s, finishedAt: _f, ...counts } = run.rebuild as NonNullable<RepoStatus['rebuild']> & { startedAt: string; finishedAt: string };
  assert.deepEqual(counts, { request: 'created', generation: 1, outcome: 'Rebuilt', snapshots: 2, recreated: 2, existing: 0, otherNamespaces: 0, missing: [] });
  assert.deepEqual([rebuilt(run)?.status, rebuilt(run)?.reason], ['True', 'Rebuilt']);
  assert.match(rebuilt(run)!.message, /^recreated 2 RestorePoint\(s\) from 2 snapshot\(s\) in s3:https:\/\/.*; 0 already there$/);

  assert.equal(await restorePoints(ns), pointsBefore);
  assert.equal(await plan(ns), planBefore);

  // Asked again (as `kubectl annotate ... holdfast.dev/rebuild=...` does): nothing is made twice.
  await custom.patchNamespacedCustomObject({ ...G, namespace: ns, plural: 'backuprepositories', name: 'main', body: { metadata: { annotations: { 'holdfast.dev/rebuild': 'again' } } } }, merge);
  const again = await eventually('the second rebuild', async () => {
    const r = (await repoStatus(ns)).rebuild;
    return r?.request === 'again' ? r : undefined;
  });
  assert.deepEqual([again.outcome, again.recreated, again.existing], ['Rebuilt', 0, 2]);
  assert.equal(await restorePoints(ns), pointsBefore);
});

test('a wrong password: the BackupRepository says so in one line and no RestorePoint is written', playsControllers, async () => {
  const ns = await kube.namespace('wrong');
  op ??= await startOp('op-3');
  await repository(ns, 'not the password');
  const s = await eventually('the failed rebuild', async () => {
    const st = await repoStatus(ns);
    return st.rebuild ? st : undefined;
  });
  assert.equal(s.rebuild!.outcome, 'Failed');
  const c = rebuilt(s)!;
  assert.deepEqual([c.status, c.reason], ['False', 'WrongPassword']);
  assert.match(c.message, /^open repository s3:https:\/\/.*: wrong password/);
  assert.equal(c.message.split('\n').length, 1);
  assert.ok(!c.message.includes('not the password') && !c.message.includes(s3.secretAccessKey), 'no secret in the message');
  await op.idle();
  assert.deepEqual(await list(ns, 'restorepoints'), []);
  const events = (await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=main' })).items.map((e) => `${e.type} ${e.reason}`);
  assert.deepEqual(events, ['Warning WrongPassword']);

  // Fixed as the condition says: the right password in the Secret, then a new request.
  await core.patchNamespacedSecret({ namespace: ns, name: 'main-repo', body: { stringData: { password: PASSWORD } } }, merge);
  await custom.patchNamespacedCustomObject({ ...G, namespace: ns, plural: 'backuprepositories', name: 'main', body: { metadata: { annotations: { 'holdfast.dev/rebuild': 'fixed' } } } }, merge);
  const fixed = await eventually('the rebuild with the right password', async () => {
    const st = await repoStatus(ns);
    return st.rebuild?.request === 'fixed' ? st : undefined;
  });
  assert.deepEqual([fixed.rebuild!.outcome, rebuilt(fixed)?.status, rebuilt(fixed)?.reason], ['Rebuilt', 'True', 'Rebuilt']);

  // A changed spec (here: the password moved to another key) runs it again, without an annotation.
  await core.patchNamespacedSecret({ namespace: ns, name: 'main-repo', body: { stringData: { rotated: 'not the password either' } } }, merge);
  await custom.patchNamespacedCustomObject({ ...G, namespace: ns, plural: 'backuprepositories', name: 'main', body: { spec: { credentials: { passwordKey: 'rotated' } } } }, merge);
  const moved = await eventually('the rebuild for the new spec', async () => {
    const st = await repoStatus(ns);
    return st.rebuild?.generation === 2 ? st : undefined;
  });
  assert.deepEqual([moved.rebuild!.request, moved.rebuild!.outcome, rebuilt(moved)?.reason], ['fixed', 'Failed', 'WrongPassword']);
});

test('a suspicious backup, judged with the BackupPolicy’s thresholds, warns on its RestorePoint and policy and comes back suspicious from the repository', playsControllers, async () => {
  const ns = await kube.namespace('signals');
  op ??= await startOp('op-4');
  players.push(playWorkloads(kube.kc, ns, digestOf));
  await repository(ns);
  await app(ns, V1);
  // With the engine's default (5 backups of history) the third backup would not be judged at all.
  await custom.createNamespacedCustomObject({ ...G, namespace: ns, plural: 'backuppolicies', body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name: 'nightly' }, spec: { repository: 'main', schedule: '0 3 * * *', changeSignals: { minHistory: 1 } } } });
  const names = Array.from({ length: 40 }, (_, i) => `ledger-${String(i).padStart(2, '0')}.csv`);
  const ledger = (i: number, round: number) => Array.from({ length: 1200 }, (_, l) => `${round},${i},${l},order ${l * 7} shipped to warehouse ${l % 13}\n`).join('');
  await backup(ns, 's1', (dir) => names.forEach((n, i) => writeFileSync(join(dir, n), ledger(i, 1))));
  const ordinary = await backup(ns, 's2', (dir) => writeFileSync(join(dir, names[0]!), ledger(0, 2)));
  assert.equal((ordinary.restorePoint.status!.suspicion as { verdict: string }).verdict, 'unjudged');
  // Ransomware: 60 % of the files encrypted with AES and renamed.
  const hit = await backup(ns, 's3', (dir) => {
    const key = randomBytes(32);
    for (const n of names.slice(0, 24)) {
      const c = createCipheriv('aes-256-ctr', key, randomBytes(16));
      writeFileSync(join(dir, `${n}.locked`), Buffer.concat([c.update(readFileSync(join(dir, n))), c.final()]));
      rmSync(join(dir, n));
    }
  });
  const given = hit.args[hit.args.indexOf('--change-signals') + 1] ?? '{}';
  assert.equal((JSON.parse(given) as { minHistory?: number }).minHistory, 1, hit.args.join(' '));
  const suspicion = hit.restorePoint.status!.suspicion as { verdict: string; reasons: string[] };
  assert.equal(suspicion.verdict, 'suspicious', JSON.stringify(suspicion));
  assert.ok(suspicion.reasons.some((r) => /rewritten|renamed|incompressible/.test(r)), suspicion.reasons.join('; '));

  const warnings = async (kind: string, name: string) =>
    (await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` })).items.filter((e) => e.type === 'Warning' && e.reason === 'SuspiciousBackup').map((e) => e.message ?? '');
  const onPoint = await eventually('the Warning on the RestorePoint', async () => (await warnings('RestorePoint', hit.restorePoint.metadata.name)).at(0));
  assert.ok(onPoint.startsWith(`snapshot ${hit.snapshot.slice(0, 12)} of ${ns}/data is unlike the volume's history: `), onPoint);
  const onPolicy = await eventually('the Warning on the BackupPolicy', async () => (await warnings('BackupPolicy', 'nightly')).at(0));
  assert.equal(onPolicy, `RestorePoint ${hit.restorePoint.metadata.name}: ${onPoint}`);
  assert.deepEqual(await warnings('RestorePoint', ordinary.restorePoint.metadata.name), [], 'no alert for an ordinary backup');

  // The RestorePoints lost, a rebuild brings the suspicious one back suspicious, with its reasons.
  const before = await restorePoints(ns);
  for (const rp of await list(ns, 'restorepoints')) await custom.deleteNamespacedCustomObject({ ...G, namespace: ns, plural: 'restorepoints', name: rp.metadata.name });
  await eventually('the RestorePoints gone', async () => (await list(ns, 'restorepoints')).length === 0);
  await custom.patchNamespacedCustomObject({ ...G, namespace: ns, plural: 'backuprepositories', name: 'main', body: { metadata: { annotations: { 'holdfast.dev/rebuild': 'after-loss' } } } }, merge);
  const run = await eventually('the rebuild', async () => {
    const r = (await repoStatus(ns)).rebuild;
    return r?.request === 'after-loss' ? r : undefined;
  });
  // The bucket also holds the shop's snapshots, left to the shop's BackupRepository.
  assert.deepEqual([run.outcome, run.recreated, run.existing, run.otherNamespaces > 0], ['Rebuilt', 3, 0, true]);
  assert.equal(await restorePoints(ns), before);
});
