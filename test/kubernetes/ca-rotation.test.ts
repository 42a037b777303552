/**
 * The in-cluster CA rotation's retire step against a real API server: a CertificatePolicy lists its
 * Service in spec.endpoints, and a real TLS server stands behind that Service's EndpointSlice. Every
 * Secret is reissued from the new CA and nothing mounts it (so nothing is left to roll), but the
 * server still serves the leaf from the old CA: the rotation waits, saying which address serves which
 * serial, and the old root stays in the bundle. Once the server reloads the new Secret, the old root
 * is retired. No kubelet: the test plays the pod (the TLS server) and the EndpointSlice controller.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import * as k8s from '@kubernetes/client-node';
import { startOperator, type OperatorHandle } from '../../src/operator/manager.js';
import { startKube, type Kube } from '../harness/kube.js';
import { eventually, testLogger } from '../harness/kube-play.js';
import { REISSUE_ANNOTATION, REISSUED_FOR_ANNOTATION } from '../../src/operator/tls/reissue.js';
import { tempDir } from '../tls/harness.js';
import { lintFiles, type LintFile } from '../tls/lint-tools.js';

const api = { group: 'holdfast.dev', version: 'v1alpha1', plural: 'certificatepolicies' };
let kube: Kube;
let op: OperatorHandle;
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;
let server: Server | undefined;
let ns: string;
/** For the lint: the leaf the rotation reissued, and the CA Secret while both CAs were in it. */
let rotatedLeaf: k8s.V1Secret | undefined;
let midRotationCa: k8s.V1Secret | undefined;

before(async () => {
  kube = await startKube();
  core = kube.kc.makeApiClient(k8s.CoreV1Api);
  custom = kube.kc.makeApiClient(k8s.CustomObjectsApi);
  ns = await kube.namespace('rotate');
  op = await startOperator({ namespace: ns, kubeConfig: kube.kc, log: testLogger(), leaseDurationMs: 3000, renewDeadlineMs: 2000, retryMs: 300, backoff: { baseMs: 100, maxMs: 1000 } });
});
after(async () => {
  server?.close();
  await op?.stop();
  await kube?.stop();
});

/** An address of this machine that an EndpointSlice accepts (loopback is refused for endpoints). */
function hostAddress(): string {
  const a = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  assert.ok(a, 'this machine needs a non-loopback IPv4 address');
  return a.address;
}

type Status = { handledRotateCa?: string; caRotation?: { step: string; message: string } };
const status = async () => ((await custom.getNamespacedCustomObject({ ...api, namespace: ns, name: 'web' })) as { status?: Status }).status ?? {};
const tlsSecret = () => core.readNamespacedSecret({ namespace: ns, name: 'web-tls' }).catch(() => undefined);
const context = (s: k8s.V1Secret) => ({ cert: Buffer.from(s.data!['tls.crt']!, 'base64'), key: Buffer.from(s.data!['tls.key']!, 'base64') });
const caId = async () => (await core.readNamespacedSecret({ namespace: ns, name: 'holdfast-ca' })).metadata!.annotations!['holdfast.dev/ca-id']!;
const roots = async () => ((await core.readNamespacedConfigMap({ namespace: ns, name: 'web-ca' })).data!['ca.crt']!.match(/BEGIN CERTIFICATE/g) ?? []).length;

test('the retire step waits while an address behind the policy\'s Service serves a leaf from the old CA, and retires once it serves the new one', async () => {
  await custom.createNamespacedCustomObject({
    ...api, namespace: ns,
    body: {
      apiVersion: 'holdfast.dev/v1alpha1', kind: 'CertificatePolicy', metadata: { name: 'web' },
      spec: { secretName: 'web-tls', dnsNames: [`web.${ns}.svc`], trustBundle: { configMapName: 'web-ca' }, endpoints: [{ service: 'web', port: 443 }], caRotation: { propagationDelay: '1s' } },
    },
  });
  const first = await eventually('the first certificate', tlsSecret);
  const host = hostAddress();
  const srv = createServer(context(first), (s) => s.end());
  server = srv;
  await new Promise<void>((r) => srv.listen(0, '0.0.0.0', r));
  const port = (srv.address() as AddressInfo).port;
  await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'web' }, spec: { ports: [{ port: 443, targetPort: port }] } } });
  await kube.kc.makeApiClient(k8s.DiscoveryV1Api).createNamespacedEndpointSlice({
    namespace: ns,
    body: { metadata: { name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', ports: [{ port }], endpoints: [{ addresses: [host], conditions: { ready: true } }] },
  });
  const oldCa = await caId();
  const oldSerial = new X509Certificate(context(first).cert).serialNumber.toLowerCase();

  await custom.patchNamespacedCustomObject({ ...api, namespace: ns, name: 'web', body: { metadata: { annotations: { 'holdfast.dev/rotate-ca': 'r1' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  const waiting = await eventually('the retire step waiting on the served leaf', async () => {
    const st = await status();
    return st.caRotation?.step === 'wait' && st.caRotation.message.includes('serves serial') ? st.caRotation.message : undefined;
  }, 60_000);
  const newCa = await caId();
  assert.notEqual(newCa, oldCa, 'the new CA issues');
  assert.equal(
    waiting,
    `the old CA ${oldCa} stays trusted: web.${ns}.svc:443 (${host}:${port}) (${ns}/web) serves serial ${oldSerial.slice(0, 16)}… from ${oldCa}; its workload must reload the leaf from ${newCa} first`,
  );
  const reissued = (await tlsSecret())!;
  rotatedLeaf = reissued;
  midRotationCa = await core.readNamespacedSecret({ namespace: ns, name: 'holdfast-ca' });
  assert.equal(reissued.metadata!.annotations!['holdfast.dev/ca-id'], newCa, 'the Secret is already from the new CA');
  await op.idle();
  assert.equal(await roots(), 2, 'the old root stays in the bundle while it is served');
  assert.notEqual((await status()).handledRotateCa, 'r1');

  // The pod reloads the Secret it mounts.
  srv.setSecureContext(context(reissued));
  await eventually('the rotation done', async () => (await status()).handledRotateCa === 'r1', 60_000);
  assert.equal(await roots(), 1, 'the old root left the bundle');
  assert.equal((await core.readNamespacedSecret({ namespace: ns, name: 'holdfast-ca' })).data!['previous.crt'], undefined);
  const retired = (await core.listNamespacedEvent({ namespace: ns })).items.find((e) => e.reason === 'CARotationRetired');
  assert.equal(retired?.message, `old CA retired: the trust bundles of issuer holdfast-ca hold only ${newCa}; none of web.${ns}.svc:443 (${host}:${port}) served a leaf from it`);
});

test('after the rotation and a reissue, nothing the operator wrote has a zlint or pkilint finding beyond the documented private-CA ones', async (tc) => {
  assert.ok(rotatedLeaf && midRotationCa, 'the rotation test ran first');
  const before = (await tlsSecret())!;
  await custom.patchNamespacedCustomObject({ ...api, namespace: ns, name: 'web', body: { metadata: { annotations: { [REISSUE_ANNOTATION]: 'x1' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  const reissued = await eventually('the reissued Secret', async () => {
    const s = await tlsSecret();
    return s?.metadata?.annotations?.[REISSUED_FOR_ANNOTATION] === 'x1' && s.data!['tls.crt'] !== before.data!['tls.crt'] ? s : undefined;
  }, 60_000);
  const t = await tempDir('hf-operator-rotation-lint-');
  try {
    const files: LintFile[] = [];
    const put = async (what: string, kind: LintFile['kind'], pem: string | undefined) => {
      assert.ok(pem, `${what} was written`);
      const path = join(t.dir, `${what.replace(/\W+/g, '-')}.pem`);
      await writeFile(path, pem);
      files.push({ what, path, kind });
    };
    const text = (s: k8s.V1Secret, k: string) => (s.data?.[k] ? Buffer.from(s.data[k], 'base64').toString() : undefined);
    const ca = await core.readNamespacedSecret({ namespace: ns, name: 'holdfast-ca' });
    await put('rotated CA', 'cert', text(ca, 'ca.crt'));
    await put('rotated CA CRL', 'crl', text(ca, 'ca.crl'));
    await put('rotated CA CRL in mid-rotation', 'crl', text(midRotationCa, 'ca.crl'));
    await put('old CA CRL in mid-rotation', 'crl', text(midRotationCa, 'previous.crl'));
    // The leaves alone: tls.crt is the chain, and each CA certificate is linted above.
    const leaf = (s: k8s.V1Secret) => new X509Certificate(text(s, 'tls.crt')!).toString();
    await put('leaf reissued by the rotation', 'cert', leaf(rotatedLeaf));
    await put('leaf reissued on holdfast.dev/reissue', 'cert', leaf(reissued));
    const { unexpected, seenExpected } = lintFiles(files);
    tc.diagnostic(`${files.length} files linted; expected findings seen: ${seenExpected.join(', ') || 'none'}`);
    assert.deepEqual(unexpected, []);
  } finally {
    await t.cleanup();
  }
});

test('a pod\'s mounted copy of the trust bundle that cannot be read is reported with its reason, and the propagation delay alone then governs the activation', async () => {
  // No kubelet here: the pod is played as running, and exec into it fails as it would for a pod the
  // operator may not exec into or one without `cat`.
  const mns = await kube.namespace('mounts');
  const policy = { ...api, namespace: mns, name: 'api' };
  await custom.createNamespacedCustomObject({
    ...api, namespace: mns,
    body: {
      apiVersion: 'holdfast.dev/v1alpha1', kind: 'CertificatePolicy', metadata: { name: 'api' },
      spec: { issuer: { name: 'mounts-ca' }, secretName: 'api-tls', dnsNames: [`api.${mns}.svc`], trustBundle: { configMapName: 'api-ca' }, caRotation: { propagationDelay: '10m' } },
    },
  });
  await eventually('the first certificate', () => core.readNamespacedSecret({ namespace: mns, name: 'api-tls' }).catch(() => undefined));
  await core.createNamespacedPod({
    namespace: mns,
    body: {
      metadata: { name: 'client' },
      spec: {
        schedulerName: 'holdfast-test-none',
        containers: [{ name: 'app', image: 'registry.example/client:1', volumeMounts: [{ name: 'trust', mountPath: '/etc/trust' }] }],
        volumes: [{ name: 'trust', configMap: { name: 'api-ca', items: [{ key: 'ca.crt', path: 'roots.pem' }] } }],
      },
    },
  });
  const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  await core.patchNamespacedPodStatus(
    { name: 'client', namespace: mns, body: { status: { phase: 'Running', containerStatuses: [{ name: 'app', image: 'registry.example/client:1', imageID: '', ready: true, restartCount: 0, started: true, state: { running: { startedAt: new Date() } } }] } } },
    merge,
  );
  await custom.patchNamespacedCustomObject({ ...policy, body: { metadata: { annotations: { 'holdfast.dev/rotate-ca': 'm1' } } } }, merge);
  const unread = `${mns}/client (/etc/trust/roots.pem): the API server refused exec (HTTP 400): the pod is not running on a node or the container is not running`;
  const st = async () => ((await custom.getNamespacedCustomObject(policy)) as { status?: Status }).status ?? {};
  const waiting = await eventually('the distribute step reporting the copy it could not read', async () => {
    const m = (await st()).caRotation?.message;
    return m?.includes('not read') ? m : undefined;
  }, 120_000);
  assert.match(waiting, /^the trust bundles hold the new CA \S+; it issues in \d+ s, once the kubelet has refreshed every mounted copy \(spec\.caRotation\.propagationDelay\); 0 of 1 pods have the new CA in their mounted api-ca; not read, so only the propagation delay covers them: (.*)$/);
  assert.ok(waiting.endsWith(unread), waiting);

  // The unread copy does not hold the rotation once the delay has passed.
  await custom.patchNamespacedCustomObject({ ...policy, body: { spec: { caRotation: { propagationDelay: '1s' } } } }, merge);
  const activated = await eventually('the CARotationActivated Event', async () =>
    (await core.listNamespacedEvent({ namespace: mns })).items.find((e) => e.reason === 'CARotationActivated')?.message, 120_000);
  assert.match(activated, /^CA \S+ issues now \(mounted trust bundles: 0 copies confirmed to hold it, 1 could not be read \((.*)\)\); \S+ stays trusted until every certificate from it is replaced and rolled out$/);
  assert.ok(activated.includes(`1 could not be read (${unread})`), activated);
});
