/**
 * Time-driven behaviour against a real API server, with the operator on a ManualClock: a cron
 * schedule starting a backup run at its slot, and certificates.
 *
 * Certificates: a CertificatePolicy gets a
 * `kubernetes.io/tls` Secret that chains to the in-cluster CA and a trust-bundle ConfigMap; the
 * workloads that mount the Secret are rolled one at a time (the test plays the Deployment controller
 * by writing status); after the clock passes the renewal time the certificate is renewed with a new
 * key and rolled again; a subPath mount is warned about. The operator's clock is a ManualClock.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { ManualClock } from '../../src/platform/clock.js';
import { startOperator, type OperatorHandle } from '../../src/operator/manager.js';
import { startKube, type Kube } from '../harness/kube.js';
import { eventually, playsControllers, pvc, testLogger } from '../harness/kube-play.js';

let kube: Kube;
let op: OperatorHandle;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let ns: string;
const clock = new ManualClock(new Date());
const ANN = 'tls.holdfast.dev/web-tls';
const DAY = 86_400_000;

before(async () => {
  kube = await startKube();
  core = kube.kc.makeApiClient(k8s.CoreV1Api);
  apps = kube.kc.makeApiClient(k8s.AppsV1Api);
  ns = await kube.namespace('tls');
  op = await startOperator({ namespace: ns, kubeConfig: kube.kc, log: testLogger(), clock, leaseDurationMs: 3000, renewDeadlineMs: 2000, retryMs: 300, backoff: { baseMs: 100, maxMs: 1000 } });
});
after(async () => {
  await op?.stop();
  await kube?.stop();
});

function deployment(name: string, mount: 'volume' | 'subPath' | 'none'): k8s.V1Deployment {
  const volumes = mount === 'none' ? [] : [{ name: 'tls', secret: { secretName: 'web-tls' } }];
  const volumeMounts = mount === 'none' ? [] : [{ name: 'tls', mountPath: mount === 'subPath' ? '/etc/tls/tls.crt' : '/etc/tls', ...(mount === 'subPath' ? { subPath: 'tls.crt' } : {}) }];
  return {
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'shop:1', volumeMounts }], volumes } },
    },
  };
}

/** The Deployment controller's part: the new template is rolled out and ready. */
async function finishRollout(name: string) {
  const d = await apps.readNamespacedDeployment({ namespace: ns, name });
  await apps.patchNamespacedDeploymentStatus(
    { namespace: ns, name, body: { status: { observedGeneration: d.metadata!.generation, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}
const serials = async () => {
  const out: Record<string, string | undefined> = {};
  for (const n of ['api', 'other', 'web']) out[n] = (await apps.readNamespacedDeployment({ namespace: ns, name: n })).spec!.template.metadata?.annotations?.[ANN];
  return out;
};
const secret = async () => (await core.readNamespacedSecret({ namespace: ns, name: 'web-tls' }).catch(() => undefined));
const pem = (s: k8s.V1Secret, k: string) => Buffer.from(s.data![k]!, 'base64').toString();

/** Rolls the workloads to `serial` one at a time, checking that the budget of one is never exceeded. */
async function rollAll(serial: string) {
  for (let step = 0; step < 2; step++) {
    const s = await eventually(`rollout step ${step + 1}`, async () => {
      const cur = await serials();
      return Object.values(cur).filter((x) => x === serial).length === step + 1 ? cur : undefined;
    });
    const rolledNow = Object.entries(s).filter(([, v]) => v === serial).map(([k]) => k);
    assert.equal(rolledNow.length, step + 1, 'never more than one rollout in flight');
    await finishRollout(rolledNow[rolledNow.length - 1]!);
    for (const n of rolledNow) await finishRollout(n);
  }
}

test('a CertificatePolicy issues a TLS Secret and trust bundle, rolls mounting workloads one at a time, and renews when due', playsControllers, async () => {
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 'volume') });
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('api', 'subPath') });
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('other', 'none') });
  const custom = kube.kc.makeApiClient(k8s.CustomObjectsApi);
  await custom.createNamespacedCustomObject({
    group: 'holdfast.dev', version: 'v1alpha1', namespace: ns, plural: 'certificatepolicies',
    body: {
      apiVersion: 'holdfast.dev/v1alpha1', kind: 'CertificatePolicy', metadata: { name: 'web' },
      spec: { secretName: 'web-tls', dnsNames: [`web.${ns}.svc`], lifetime: '720h', renewBefore: '240h', trustBundle: { configMapName: 'trust' }, rollout: { maxConcurrent: 1 } },
    },
  });

  const s1 = await eventually('the TLS Secret', secret);
  assert.equal(s1.type, 'kubernetes.io/tls');
  const leaf = new X509Certificate(pem(s1, 'tls.crt'));
  const ca = new X509Certificate(pem(s1, 'ca.crt'));
  assert.ok(leaf.verify(ca.publicKey), 'the leaf is signed by the CA in ca.crt');
  assert.ok(leaf.checkPrivateKey(createPrivateKey(pem(s1, 'tls.key'))));
  assert.match(leaf.subjectAltName ?? '', new RegExp(`DNS:web\\.${ns}\\.svc`));
  const trust = await eventually('the trust bundle', async () => (await core.readNamespacedConfigMap({ namespace: ns, name: 'trust' }).catch(() => undefined)));
  assert.equal(trust.data!['ca.crt'], pem(s1, 'ca.crt'));

  const serial1 = leaf.serialNumber.toLowerCase();
  await rollAll(serial1);
  assert.equal((await serials()).other, undefined, 'a workload that does not mount the Secret is never rolled');
  const events = (await core.listNamespacedEvent({ namespace: ns })).items.map((e) => `${e.reason}: ${e.message}`);
  assert.ok(events.some((e) => e.startsWith('SubPathMount: Deployment api mounts')), events.join('\n'));

  // 25 of 30 days later the certificate is inside its 10-day renewal window.
  clock.advance(25 * DAY);
  op.resync();
  const s2 = await eventually('the renewed Secret', async () => {
    const s = await secret();
    return s && new X509Certificate(pem(s, 'tls.crt')).serialNumber.toLowerCase() !== serial1 ? s : undefined;
  });
  assert.notEqual(pem(s2, 'tls.key'), pem(s1, 'tls.key'), 'renewal rotates the key');
  assert.equal(pem(s2, 'ca.crt'), pem(s1, 'ca.crt'), 'the same CA issued it');
  await rollAll(new X509Certificate(pem(s2, 'tls.crt')).serialNumber.toLowerCase());
  const renewed = (await core.listNamespacedEvent({ namespace: ns })).items.find((e) => e.reason === 'Renewed');
  assert.match(renewed?.message ?? '', /Due/);
  assert.doesNotMatch(JSON.stringify((await core.listNamespacedEvent({ namespace: ns })).items), /PRIVATE KEY/);
});

test('a CA lost after it issued certificates is not silently replaced: CAMissing until it is restored or a new one is asked for', async () => {
  const custom = kube.kc.makeApiClient(k8s.CustomObjectsApi);
  const api = { group: 'holdfast.dev', version: 'v1alpha1', namespace: ns, plural: 'certificatepolicies' };
  await custom.createNamespacedCustomObject({
    ...api,
    body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'CertificatePolicy', metadata: { name: 'keep' }, spec: { secretName: 'keep-tls', dnsNames: [`keep.${ns}.svc`], lifetime: '720h' } },
  });
  const keep = async () => (await core.readNamespacedSecret({ namespace: ns, name: 'keep-tls' }).catch(() => undefined));
  const issued = await eventually('the keep-tls Secret', keep);
  // The operator's namespace deleted and re-created (kubectl delete -f deploy/operator, then apply):
  // its CA Secret is gone, and a new operator process starts with nothing cached.
  await op.stop();
  await core.deleteNamespacedSecret({ namespace: ns, name: 'holdfast-ca' });
  op = await startOperator({ namespace: ns, kubeConfig: kube.kc, log: testLogger(), clock, identity: 'after-reinstall', leaseDurationMs: 3000, renewDeadlineMs: 2000, retryMs: 300, backoff: { baseMs: 100, maxMs: 1000 } });
  type Cond = { type: string; reason: string; message: string };
  const ready = async () => ((await custom.getNamespacedCustomObject({ ...api, name: 'keep' })) as { status?: { conditions?: Cond[] } }).status?.conditions?.find((c) => c.type === 'Ready');
  const missing = await eventually('CAMissing', async () => ((await ready())?.reason === 'CAMissing' ? ready() : undefined), 60_000);
  assert.match(missing!.message, /CA Secret .*holdfast-ca is missing but Secret .*keep-tls was issued by CA .*holdfast\.dev\/new-ca=true/);
  assert.equal(await core.readNamespacedSecret({ namespace: ns, name: 'holdfast-ca' }).then(() => 'exists', () => 'missing'), 'missing', 'no new CA was made');
  assert.equal(pem((await keep())!, 'ca.crt'), pem(issued, 'ca.crt'), 'nothing was reissued');

  await custom.patchNamespacedCustomObject({ ...api, name: 'keep', body: { metadata: { annotations: { 'holdfast.dev/new-ca': 'true' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  op.resync();
  const reissued = await eventually('keep-tls from a new CA', async () => {
    const s = await keep();
    return s && pem(s, 'ca.crt') !== pem(issued, 'ca.crt') ? s : undefined;
  }, 60_000);
  const newCa = await core.readNamespacedSecret({ namespace: ns, name: 'holdfast-ca' });
  assert.equal(pem(reissued, 'ca.crt'), pem(newCa, 'ca.crt'));
});

test('a cron schedule starts a run at its slot and not before, named after the slot', async () => {
  const custom = kube.kc.makeApiClient(k8s.CustomObjectsApi);
  const batch = kube.kc.makeApiClient(k8s.BatchV1Api);
  const G = { group: 'holdfast.dev', version: 'v1alpha1' };
  const bns = await kube.namespace('sched');
  await core.createNamespacedSecret({ namespace: bns, body: { metadata: { name: 'repo' }, stringData: { password: 'pw' } } });
  await custom.createNamespacedCustomObject({ ...G, namespace: bns, plural: 'backuprepositories', body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupRepository', metadata: { name: 'main' }, spec: { url: '/repo', credentials: { secretName: 'repo' } } } });
  await core.createNamespacedPersistentVolumeClaim({ namespace: bns, body: pvc('data') });
  // The API server stamps creationTimestamp with the real time; the first slot after it is the
  // top of the hour two hours from now (T). The operator's clock is put just before, then after, T.
  const T = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 2 * 3_600_000);
  const schedule = `0 ${T.getUTCHours()} * * *`;
  clock.set(new Date(T.getTime() - 60_000));
  await custom.createNamespacedCustomObject({ ...G, namespace: bns, plural: 'backuppolicies', body: { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name: 'daily' }, spec: { repository: 'main', schedule } } });
  type St = { lastScheduleTime?: string; currentRun?: { id: string }; conditions?: { type: string; reason: string }[] };
  const st = async () => ((await custom.getNamespacedCustomObject({ ...G, namespace: bns, plural: 'backuppolicies', name: 'daily' })) as { status?: St }).status ?? {};
  await eventually('the policy to be seen', async () => (await st()).conditions?.some((c) => c.type === 'Ready'));
  op.resync();
  await op.idle();
  assert.equal((await batch.listNamespacedJob({ namespace: bns })).items.length, 0, 'nothing before the slot');
  assert.equal((await st()).currentRun, undefined);

  clock.set(new Date(T.getTime() + 20_000));
  op.resync();
  const s = await eventually('the scheduled run', async () => {
    const x = await st();
    return x.currentRun ? x : undefined;
  });
  assert.equal(s.currentRun!.id, T.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', 't'));
  assert.equal(s.lastScheduleTime, T.toISOString());
  const job = await eventually('the scheduled Job', async () => (await batch.listNamespacedJob({ namespace: bns })).items[0]);
  assert.equal(job.metadata!.labels!['holdfast.dev/run'], s.currentRun!.id);
});
