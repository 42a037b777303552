/**
 * The operator when things go wrong around it, against a real API server: two replicas with leader
 * election (only the leader acts; the follower takes over after a crash), the API server restarted
 * in the middle of a run (the run resumes, nothing is duplicated), and the shipped least-privilege
 * RBAC (sufficient for a backup; with a permission removed, a Forbidden condition, not a crash loop).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startOperator, type OperatorHandle, type OperatorOptions } from '../../src/operator/manager.js';
import { podExec } from '../../src/platform/kubernetes/index.js';
import { impersonating, startKube, type Kube } from '../harness/kube.js';
import { bindShippedRbac, DIGEST_A, eventually, finishJob, playsControllers, pvc, runningPod, testLogger } from '../harness/kube-play.js';

let kube: Kube;
let core: k8s.CoreV1Api;
let batch: k8s.BatchV1Api;
let custom: k8s.CustomObjectsApi;
const G = { group: 'holdfast.dev', version: 'v1alpha1' };
const running: OperatorHandle[] = [];

before(async () => {
  kube = await startKube();
  core = kube.kc.makeApiClient(k8s.CoreV1Api);
  batch = kube.kc.makeApiClient(k8s.BatchV1Api);
  custom = kube.kc.makeApiClient(k8s.CustomObjectsApi);
});
after(async () => {
  for (const op of running) await op.stop().catch(() => undefined);
  for (const u of unbind) await u();
  await kube?.stop();
});

async function operator(namespace: string, identity: string, extra: Partial<OperatorOptions> = {}) {
  const op = await startOperator({
    namespace, identity, kubeConfig: kube.kc, log: testLogger(), dataMoverImage: 'holdfast:test',
    leaseDurationMs: 2000, renewDeadlineMs: 1500, retryMs: 200, backoff: { baseMs: 100, maxMs: 1000 }, ...extra,
  });
  running.push(op);
  return op;
}

/** A namespace with a repository, its Secret, `n` PVCs and a triggered policy over them. */
async function setup(prefix: string, n: number): Promise<string> {
  const ns = await kube.namespace(prefix);
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'repo' }, stringData: { password: 'pw' } } });
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'backuprepositories',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupRepository', metadata: { name: 'main' }, spec: { url: 's3:https://minio.example:9000/b/p', credentials: { secretName: 'repo' } } },
  });
  for (let i = 0; i < n; i++) await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc(`data-${i}`) });
  await custom.createNamespacedCustomObject({
    ...G, namespace: ns, plural: 'backuppolicies',
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name: 'p', annotations: { 'holdfast.dev/trigger': 't1' } }, spec: { repository: 'main', schedule: '0 3 * * *' } },
  });
  return ns;
}

const jobs = async (ns: string) => (await batch.listNamespacedJob({ namespace: ns })).items;
const lease = (ns: string) => kube.kc.makeApiClient(k8s.CoordinationV1Api).readNamespacedLease({ namespace: ns, name: 'holdfast-operator' });
type PolicyStatus = { conditions?: { type: string; reason: string; message: string }[]; lastRun?: { succeeded: number } };
const policyStatus = async (ns: string) =>
  ((await custom.getNamespacedCustomObject({ ...G, namespace: ns, plural: 'backuppolicies', name: 'p' })) as { status?: PolicyStatus }).status ?? {};

test('of two replicas only the leader reconciles, and the follower takes over when the leader crashes', playsControllers, async () => {
  const ns = await setup('leader', 3);
  const a = await operator(ns, 'replica-a');
  const b = await operator(ns, 'replica-b');
  await eventually('a leader', async () => a.isLeader() || b.isLeader());
  const [leader, follower] = a.isLeader() ? [a, b] : [b, a];
  assert.equal(follower.isLeader(), false, 'never two leaders');
  await eventually('the leader\'s Jobs', async () => (await jobs(ns)).length === 3);
  assert.equal((await lease(ns)).spec!.holderIdentity, leader.identity);
  assert.equal(follower.reconciles(), 0, 'the follower did no work');

  await leader.stop({ release: false });
  const crashedWork = leader.reconciles();
  await eventually('the follower to take over after the lease expires', async () => follower.isLeader());
  const l = await lease(ns);
  assert.equal(l.spec!.holderIdentity, follower.identity);
  assert.ok((l.spec!.leaseTransitions ?? 0) >= 1);

  await custom.patchNamespacedCustomObject(
    { ...G, namespace: ns, plural: 'backuppolicies', name: 'p', body: { metadata: { annotations: { 'holdfast.dev/trigger': 't2' } } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  // Run t1 is still in progress (its Jobs never finished), so the new leader resumes it rather than
  // starting t2: finish t1's Jobs as the Job controller would, then t2's Jobs appear.
  const t1 = (await jobs(ns))[0]!.metadata!.labels!['holdfast.dev/run'];
  for (const j of await jobs(ns)) await finishJob(kube.kc, ns, j.metadata!.name!, { ok: true, message: `{"snapshotId":"${j.metadata!.name}"}` });
  await eventually('run t2 by the new leader', async () => (await jobs(ns)).filter((j) => j.metadata!.labels!['holdfast.dev/run'] !== t1).length === 3);
  assert.ok(follower.reconciles() > 0);
  assert.equal(leader.reconciles(), crashedWork, 'the crashed replica did nothing after it stopped');
  await follower.stop();
});

test('a run resumes after the API server restarts in the middle of it, without duplicate Jobs', playsControllers, async () => {
  assert.ok(kube.local, 'this test restarts the API server and needs the local harness (HOLDFAST_KUBECONFIG unset)');
  const n = 40;
  const ns = await setup('restart', n);
  const op = await operator(ns, 'restarter', { itemConcurrency: 1 });
  await eventually('the first Job', async () => (await jobs(ns)).length > 0);
  await kube.restartApiServer({ downMs: 500 });
  const afterRestart = await eventually(`all ${n} Jobs`, async () => {
    const j = await jobs(ns);
    return j.length >= n ? j : undefined;
  }, 90_000);
  assert.equal(afterRestart.length, n, 'exactly one Job per PVC');
  assert.equal(new Set(afterRestart.map((j) => j.metadata!.labels!['holdfast.dev/pvc'])).size, n);
  assert.ok(op.watchRestarts() > 0, 'the operator saw the outage');
  for (const j of afterRestart) await finishJob(kube.kc, ns, j.metadata!.name!, { ok: true, message: `{"snapshotId":"s-${j.metadata!.name}"}` });
  const s = await eventually('the run to finish', async () => {
    const st = await policyStatus(ns);
    return st.lastRun ? st : undefined;
  }, 60_000);
  assert.equal(s.lastRun!.succeeded, n);
  await op.stop();
});

const unbind: (() => Promise<void>)[] = [];
async function grantShippedRbac(user: string, leaseNs: string, drop?: { resource: string; verb: string }) {
  unbind.push(await bindShippedRbac(kube.kc, user, leaseNs, drop));
}

test('with the shipped RBAC minus "create jobs" the policy reports Forbidden, and with it the backup runs', async () => {
  const ns = await setup('rbac', 1);
  await grantShippedRbac(kube.userName, ns, { resource: 'jobs', verb: 'create' });
  const op = await operator(ns, 'rbac-op', { kubeConfig: kube.userKubeconfig() });
  const s = await eventually('Forbidden', async () => {
    const st = await policyStatus(ns);
    return st.conditions?.find((c) => c.type === 'Ready' && c.reason === 'Forbidden') ? st : undefined;
  });
  assert.match(s.conditions!.find((c) => c.type === 'Ready')!.message, /create Job .* cannot create resource "jobs"/);
  const events = (await core.listNamespacedEvent({ namespace: ns })).items.map((e) => `${e.type} ${e.reason}`);
  assert.ok(events.includes('Warning Forbidden'), events.join(', '));

  await grantShippedRbac(kube.userName, ns);
  op.resync();
  await eventually('the Job once RBAC allows it', async () => (await jobs(ns)).length === 1);
  await op.stop();
});

/** Who the API server says a kubeconfig is (SelfSubjectReview). */
async function whoAmI(kc: k8s.KubeConfig): Promise<string | undefined> {
  const r = await kc.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  return r.status?.userInfo?.username;
}

test('the unprivileged identity of the RBAC tests is unprivileged, also when made by impersonation (an external cluster)', async () => {
  assert.equal(await whoAmI(kube.userKubeconfig()), kube.userName);
  assert.equal(await whoAmI(impersonating(kube.kubeconfigPath, kube.userName)), kube.userName);
});

test('the shipped RBAC lets hooks exec into pods: the WebSocket exec is authorized as get and create on pods/exec', playsControllers, async () => {
  const ns = await kube.namespace('rbac-exec');
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc('data') });
  await runningPod(kube.kc, ns, 'db-0', 'data', 'db', DIGEST_A);
  await grantShippedRbac(kube.userName, ns);
  const authz = kube.kc.makeApiClient(k8s.AuthorizationV1Api);
  for (const verb of ['get', 'create']) {
    const r = await authz.createSubjectAccessReview({ body: { spec: { user: kube.userName, resourceAttributes: { namespace: ns, verb, resource: 'pods', subresource: 'exec', name: 'db-0' } } } });
    assert.equal(r.status?.allowed, true, `${verb} pods/exec: ${r.status?.reason ?? 'denied'}`);
  }
  // The exec itself, as the hook runner does it with the operator's identity: past authorization, the
  // API server refuses only because no kubelet runs the pod (400), never for RBAC (403).
  const r = await podExec(kube.userKubeconfig())({ namespace: ns, name: 'db-0' }, 'db', ['true'], 10_000);
  assert.equal(r.outcome, 'failed');
  assert.match(r.message, /HTTP 400/);
});

test('the harness removes the ClusterRole and binding it made for the RBAC tests: a leftover holdfast-operator ClusterRole breaks a later helm install', async () => {
  const unbindNow = await bindShippedRbac(kube.kc, kube.userName, await kube.namespace('rbac-unbind'));
  const rbac = kube.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.readClusterRole({ name: 'holdfast-operator' });
  await unbindNow();
  for (const [what, read] of [
    ['ClusterRole', () => rbac.readClusterRole({ name: 'holdfast-operator' })],
    ['ClusterRoleBinding', () => rbac.readClusterRoleBinding({ name: 'holdfast-operator' })],
  ] as const) {
    const e = await read().then(() => undefined, (x: { code?: number }) => x);
    assert.equal(e?.code, 404, `the ${what} holdfast-operator is still there`);
  }
});
