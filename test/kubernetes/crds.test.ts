/**
 * Holdfast's CRDs against a real kube-apiserver: they install, the API server applies their
 * defaults, and it rejects invalid custom resources with the field named, before any controller runs.
 */
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { certificatePolicyRules, certificatePolicySpecSchema, specRefusal } from '../../src/operator/api/index.js';
import { startKube, type Kube } from '../harness/kube.js';

let kube: Kube;
let api: k8s.CustomObjectsApi;
let ns: string;
const group = 'holdfast.dev';
const version = 'v1alpha1';

before(async () => {
  kube = await startKube();
  api = kube.kc.makeApiClient(k8s.CustomObjectsApi);
  ns = await kube.namespace('crds');
});
after(async () => kube?.stop());

const policy = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: `${group}/${version}`,
  kind: 'BackupPolicy',
  metadata: { name },
  spec,
});

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: number; body?: string };
    assert.equal(err.code, 422, `expected 422 Invalid, got ${err.code}: ${err.body}`);
    return String(err.body);
  }
  assert.fail('the API server accepted an invalid object');
}

test('every Holdfast kind and the CSI snapshot kinds are served', async () => {
  const ext = kube.kc.makeApiClient(k8s.ApiextensionsV1Api);
  const names = (await ext.listCustomResourceDefinition()).items.map((c) => c.metadata!.name!);
  for (const n of [
    'backuprepositories.holdfast.dev',
    'backuppolicies.holdfast.dev',
    'restorepoints.holdfast.dev',
    'restores.holdfast.dev',
    'certificatepolicies.holdfast.dev',
    'incidents.holdfast.dev',
    'volumesnapshots.snapshot.storage.k8s.io',
    'volumesnapshotclasses.snapshot.storage.k8s.io',
    'volumesnapshotcontents.snapshot.storage.k8s.io',
  ])
    assert.ok(names.includes(n), `${n} not installed`);
});

test('a valid policy is stored with the schema defaults filled in', async () => {
  const created = (await api.createNamespacedCustomObject({
    group, version, namespace: ns, plural: 'backuppolicies',
    body: policy('nightly', { repository: 'main', schedule: '0 3 * * *', retention: { keepDaily: 7 } }),
  })) as { spec: { snapshot: { mode: string }; suspend: boolean; selector: object } };
  assert.equal(created.spec.snapshot.mode, 'Direct');
  assert.equal(created.spec.suspend, false);
  assert.deepEqual(created.spec.selector, {});
});

test('a policy without a repository is rejected naming spec.repository', async () => {
  const body = await rejection(
    api.createNamespacedCustomObject({ group, version, namespace: ns, plural: 'backuppolicies', body: policy('norepo', { schedule: '@daily' }) }),
  );
  assert.match(body, /spec\.repository/);
});

test('negative GFS retention counts are rejected by the schema generated from retentionSchema', async () => {
  const body = await rejection(
    api.createNamespacedCustomObject({
      group, version, namespace: ns, plural: 'backuppolicies',
      body: policy('negative', { repository: 'main', schedule: '@daily', retention: { keepDaily: -1 } }),
    }),
  );
  assert.match(body, /spec\.retention\.keepDaily/);
});

test('an unknown snapshot mode is rejected with the allowed values', async () => {
  const body = await rejection(
    api.createNamespacedCustomObject({
      group, version, namespace: ns, plural: 'backuppolicies',
      body: policy('badmode', { repository: 'main', schedule: '@daily', snapshot: { mode: 'Magic' } }),
    }),
  );
  assert.match(body, /spec\.snapshot\.mode/);
  assert.match(body, /Direct/);
});

test('a repository URL that is neither s3:https://host/bucket nor a path is rejected', async () => {
  const body = await rejection(
    api.createNamespacedCustomObject({
      group, version, namespace: ns, plural: 'backuprepositories',
      body: { apiVersion: `${group}/${version}`, kind: 'BackupRepository', metadata: { name: 'bad' }, spec: { url: 'ftp://x', credentials: { secretName: 'repo' } } },
    }),
  );
  assert.match(body, /spec\.url/);
});

test('a RestorePoint status with a malformed image digest is rejected by the status subresource', async () => {
  await api.createNamespacedCustomObject({
    group, version, namespace: ns, plural: 'restorepoints',
    body: { apiVersion: `${group}/${version}`, kind: 'RestorePoint', metadata: { name: 'rp1' }, spec: { repository: 'main', pvc: { namespace: ns, name: 'data' } } },
  });
  const body = await rejection(
    api.patchNamespacedCustomObjectStatus(
      {
        group, version, namespace: ns, plural: 'restorepoints', name: 'rp1',
        body: { status: { snapshotId: 'abc', provenance: { workloads: [{ workload: 'x', imageDigest: 'sha256:nothex' }] } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    ),
  );
  assert.match(body, /imageDigest/);
});

test('a status written through the main resource is ignored, because status is a subresource', async () => {
  const created = (await api.createNamespacedCustomObject({
    group, version, namespace: ns, plural: 'restorepoints',
    body: { apiVersion: `${group}/${version}`, kind: 'RestorePoint', metadata: { name: 'rp2' }, spec: { repository: 'main', pvc: { namespace: ns, name: 'data' } }, status: { snapshotId: 'forged' } },
  })) as { status?: unknown };
  assert.equal(created.status, undefined);
});

const incident = (name: string, spec: Record<string, unknown>) => ({ apiVersion: `${group}/${version}`, kind: 'Incident', metadata: { name }, spec });
const DIGEST = 'sha256:' + 'b2'.repeat(32);

test('an Incident is stored unapproved and not aborted unless it says so, with the built-in playbook and fail-closed choice', async () => {
  const created = (await api.createNamespacedCustomObject({
    group, version, namespace: ns, plural: 'incidents', body: incident('cve', { pvc: 'data', vulnerable: { imageDigests: [DIGEST] } }),
  })) as { spec: { approved: boolean; abort: boolean; onUnknown: string; playbook: string } };
  assert.deepEqual([created.spec.approved, created.spec.abort, created.spec.onUnknown, created.spec.playbook], [false, false, 'Refuse', 'restore-secure-and-rotate']);
});

test('an Incident naming a vulnerable image by tag instead of digest is rejected naming spec.vulnerable.imageDigests', async () => {
  const body = await rejection(
    api.createNamespacedCustomObject({ group, version, namespace: ns, plural: 'incidents', body: incident('tag', { pvc: 'data', vulnerable: { imageDigests: ['shop-db:2.0'] } }) }),
  );
  assert.match(body, /spec\.vulnerable\.imageDigests/);
});

test('an Incident without a vulnerable digest is rejected: there is nothing to judge restore points by', async () => {
  const body = await rejection(
    api.createNamespacedCustomObject({ group, version, namespace: ns, plural: 'incidents', body: incident('none', { pvc: 'data', vulnerable: { imageDigests: [] } }) }),
  );
  assert.match(body, /spec\.vulnerable\.imageDigests/);
});

/**
 * CertificatePolicy's cross-field rules (operator/api certificatePolicyRules): one table through the
 * API server's CEL at create and through the controller's predicate, which must agree case by case
 * and name the same field with the same line.
 */
describe('CertificatePolicy rules: the API server refuses what the controller refuses, naming the field', () => {
  const cases: { name: string; spec: Record<string, unknown>; refused?: string }[] = [
    { name: 'one DNS name', spec: { dnsNames: ['web.svc'] } },
    { name: 'no name at all', spec: {}, refused: '.dnsNames' },
    { name: 'empty name lists', spec: { dnsNames: [], ipAddresses: [] }, refused: '.dnsNames' },
    { name: 'only an IP address', spec: { ipAddresses: ['10.0.0.7'] } },
    { name: 'a CN that is not one of the names', spec: { commonName: 'shop', dnsNames: ['web.svc'] }, refused: '.commonName' },
    { name: 'a CN that is one of the names in another case, with a trailing dot', spec: { commonName: 'Web.SVC.', dnsNames: ['web.svc', 'api.svc'] } },
    { name: 'a CN that is one of the IP addresses', spec: { commonName: '10.0.0.7', ipAddresses: ['10.0.0.7'] } },
    { name: 'a CN that is an IP not listed', spec: { commonName: '10.0.0.8', ipAddresses: ['10.0.0.7'], dnsNames: ['web.svc'] }, refused: '.commonName' },
    { name: 'a lifetime of exactly 398 days, written in hours', spec: { dnsNames: ['a.svc'], lifetime: '9552h' } },
    { name: 'a lifetime one second above 398 days', spec: { dnsNames: ['a.svc'], lifetime: '398d1s' }, refused: '.lifetime' },
    { name: 'an 825-day lifetime without the override', spec: { dnsNames: ['a.svc'], lifetime: '825d' }, refused: '.lifetime' },
    { name: 'an 825-day lifetime with allowLongLifetime', spec: { dnsNames: ['a.svc'], lifetime: '825d', allowLongLifetime: true } },
    { name: 'a lifetime too large to count', spec: { dnsNames: ['a.svc'], lifetime: '99999999999999999d' }, refused: '.lifetime' },
    { name: 'renewBefore equal to the default lifetime', spec: { dnsNames: ['a.svc'], renewBefore: '90d' }, refused: '.renewBefore' },
    { name: 'renewBefore longer than the lifetime', spec: { dnsNames: ['a.svc'], lifetime: '24h', renewBefore: '1d1m' }, refused: '.renewBefore' },
    { name: 'renewBefore a third of the lifetime', spec: { dnsNames: ['a.svc'], lifetime: '720h', renewBefore: '10d' } },
    { name: 'a trust bundle under the CRL key', spec: { dnsNames: ['a.svc'], trustBundle: { configMapName: 'ca', key: 'ca.crl' } }, refused: '.trustBundle.key' },
    { name: 'a trust bundle under another key', spec: { dnsNames: ['a.svc'], trustBundle: { configMapName: 'ca', key: 'bundle.pem' } } },
  ];
  const certs = { group, version, namespace: '', plural: 'certificatepolicies' };
  const body = (name: string, spec: Record<string, unknown>) => ({ apiVersion: `${group}/${version}`, kind: 'CertificatePolicy', metadata: { name }, spec: { secretName: `${name}-tls`, ...spec } });

  cases.forEach((c, i) =>
    it(c.refused ? `refuses ${c.name}, naming spec${c.refused}` : `accepts ${c.name}`, async () => {
      const name = `rule-${i}`;
      const parsed = certificatePolicySpecSchema.parse(body(name, c.spec).spec);
      const controller = specRefusal(certificatePolicyRules, parsed);
      const rule = certificatePolicyRules.find((r) => r.field === c.refused);
      assert.equal(controller, rule && `spec${rule.field}: ${rule.message}`, 'the controller decides as the table says');
      const create = api.createNamespacedCustomObject({ ...certs, namespace: ns, body: body(name, c.spec) });
      if (!rule) return void (await create);
      const refusal = await rejection(create);
      // The API server writes `spec.<field>: Invalid value: "object": <message>`.
      assert.ok(refusal.includes(`spec${rule.field}: Invalid value`), refusal);
      assert.ok(refusal.includes(rule.message.replace(/"/g, '\\"')), refusal);
    }),
  );

  it('refuses an update that breaks a rule, and keeps the stored policy', async () => {
    await api.createNamespacedCustomObject({ ...certs, namespace: ns, body: body('rule-update', { dnsNames: ['web.svc'], lifetime: '720h' }) });
    const refusal = await rejection(
      api.patchNamespacedCustomObject({ ...certs, namespace: ns, name: 'rule-update', body: { spec: { lifetime: '500d' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)),
    );
    assert.match(refusal, /spec\.lifetime: Invalid value.*above 398d, which public clients refuse/);
    const stored = (await api.getNamespacedCustomObject({ ...certs, namespace: ns, name: 'rule-update' })) as { spec: { lifetime: string } };
    assert.equal(stored.spec.lifetime, '720h');
  });
});
