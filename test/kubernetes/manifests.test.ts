/**
 * What we ship to clusters, checked by the real API server: every manifest in deploy/ (CRDs, RBAC,
 * the operator Deployment, the examples, and the Helm chart rendered by helm) passes
 * `kubectl apply --dry-run=server`; printer columns show in `kubectl get`; and `holdfast operator run`
 * leads through its Lease and releases it on SIGTERM.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { HELM, startKube, type Kube } from '../harness/kube.js';
import { eventually } from '../harness/kube-play.js';

let kube: Kube;
let ns: string;
const root = new URL('../..', import.meta.url).pathname;
const deploy = (p: string) => join(root, 'deploy', p);

before(async () => {
  kube = await startKube();
  ns = await kube.namespace('manifests');
  // Namespaced objects of deploy/operator need their namespace to exist for a server-side dry run.
  const core = kube.kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'holdfast-system' } } }).catch((e) => {
    if (e.code !== 409) throw e;
  });
});
after(async () => kube?.stop());

function dryRun(args: string[], input?: string) {
  const r = kube.kubectl(['apply', '--dry-run=server', ...args], input);
  assert.equal(r.status, 0, `kubectl apply --dry-run=server ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('the CRDs, including the CSI snapshot ones, pass a server-side dry run', () => {
  const out = dryRun(['-f', deploy('crds'), '-f', deploy('crds/external')]);
  assert.match(out, /backuppolicies\.holdfast\.dev .*\(server dry run\)/);
  assert.match(out, /volumesnapshots\.snapshot\.storage\.k8s\.io .*\(server dry run\)/);
  assert.match(out, /incidents\.holdfast\.dev .*\(server dry run\)/);
});

test("the operator's RBAC and Deployment pass a server-side dry run", () => {
  const out = dryRun(['-f', deploy('operator')]);
  for (const what of ['clusterrole.rbac.authorization.k8s.io/holdfast-operator', 'deployment.apps/holdfast-operator', 'serviceaccount/holdfast-operator', 'role.rbac.authorization.k8s.io/holdfast-operator'])
    assert.ok(out.includes(what), `${what} missing from:\n${out}`);
});

test('kubectl apply -f deploy/crds -f deploy/operator installs on a fresh cluster in one go: the Namespace comes before what lives in it', () => {
  // kubectl reads a directory's files in name order. deploy/crds (which holds the Namespace) and
  // deploy/operator as shipped, in their own file names, with the namespace renamed to one this
  // cluster has never seen. test/node/install.test.ts does the same unchanged on a real node.
  const fresh = `holdfast-fresh-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'hf-operator-'));
  try {
    for (const sub of ['crds', 'operator']) {
      mkdirSync(join(dir, sub));
      for (const name of readdirSync(deploy(sub)).filter((n) => n.endsWith('.yaml')))
        writeFileSync(join(dir, sub, name), readFileSync(join(deploy(sub), name), 'utf8').replaceAll('holdfast-system', fresh));
    }
    const r = kube.kubectl(['apply', '-f', join(dir, 'crds'), '-f', join(dir, 'operator')]);
    assert.equal(r.status, 0, `a first apply on a fresh cluster failed:\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`namespace/${fresh} created`));
    assert.match(r.stdout, /deployment\.apps\/holdfast-operator created/);
  } finally {
    // The ClusterRole must not outlive the test (a later helm install would find it); the CRDs stay,
    // other tests use them.
    kube.kubectl(['delete', '--wait=false', '--ignore-not-found', '-f', join(dir, 'operator')]);
    kube.kubectl(['delete', '--wait=false', '--ignore-not-found', 'namespace', fresh]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the examples are valid custom resources', () => {
  const out = dryRun(['-n', ns, '-f', deploy('examples')]);
  for (const what of ['backuprepository.holdfast.dev/main', 'backuppolicy.holdfast.dev/nightly', 'certificatepolicy.holdfast.dev/shop', 'restore.holdfast.dev/shop-data-before-incident', 'incident.holdfast.dev/shop-data-cve'])
    assert.ok(out.includes(what), `${what} missing from:\n${out}`);
});

test('the Helm chart renders with helm and its output passes a server-side dry run', () => {
  assert.ok(existsSync(HELM), `${HELM} missing: run scripts/prepare/30-kube.sh`);
  const r = spawnSync(HELM, ['template', 'holdfast', deploy('helm/holdfast'), '--namespace', 'holdfast-system', '--include-crds'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /kind: CustomResourceDefinition/);
  const out = dryRun(['-f', '-'], r.stdout);
  assert.match(out, /deployment\.apps\/holdfast-operator .*\(server dry run\)/);
  assert.match(out, /clusterrole\.rbac\.authorization\.k8s\.io\/holdfast-operator .*\(server dry run\)/);
});

test('kubectl get shows the printer columns of the generated CRDs', () => {
  const applied = kube.kubectl(['apply', '-n', ns, '-f', deploy('examples/backup.yaml')]);
  assert.equal(applied.status, 0, applied.stderr);
  const r = kube.kubectl(['get', 'hfpolicy', '-n', ns]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.split('\n')[0]!, /^NAME\s+SCHEDULE\s+PVCS\s+LAST RUN\s+READY\s+AGE/);
  assert.match(r.stdout, /nightly\s+0 3 \* \* \*/);
  // The Incident example applies as it is (unapproved: without an operator nothing acts on it).
  const inc = kube.kubectl(['apply', '-n', ns, '-f', deploy('examples/incident.yaml')]);
  assert.equal(inc.status, 0, inc.stderr);
  const got = kube.kubectl(['get', 'hfincident', '-n', ns, '-o', 'jsonpath={.items[0].spec.approved} {.items[0].spec.pvc}']);
  assert.equal(got.stdout, 'false data', got.stderr);
  const cols = kube.kubectl(['get', 'hfincident', '-n', ns]);
  assert.match(cols.stdout.split('\n')[0]!, /^NAME\s+PVC\s+PHASE\s+RESTORE POINT\s+AGE/, cols.stderr);
});

test('kubectl get hfcert shows when a valid certificate expires, not <invalid>', async () => {
  // A `date` column prints an age, and a time in the future has none: kubectl showed <invalid>.
  const applied = kube.kubectl(['apply', '-n', ns, '-f', deploy('examples/certificate.yaml')]);
  assert.equal(applied.status, 0, applied.stderr);
  const notAfter = '2099-01-02T03:04:05Z';
  await kube.kc.makeApiClient(k8s.CustomObjectsApi).patchNamespacedCustomObjectStatus(
    { group: 'holdfast.dev', version: 'v1alpha1', plural: 'certificatepolicies', namespace: ns, name: 'shop', body: { status: { notAfter } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  const r = kube.kubectl(['get', 'hfcert', 'shop', '-n', ns]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.split('\n')[0]!, /^NAME\s+SECRET\s+NOT AFTER\s+READY\s+AGE/);
  assert.match(r.stdout.split('\n')[1]!, new RegExp(`^shop\\s+shop-tls\\s+${notAfter}\\s`));
});

test('holdfast operator run leads through its Lease and releases it on SIGTERM', async () => {
  const leaseNs = await kube.namespace('cli');
  const child = spawn(process.execPath, [join(root, 'bin', 'holdfast.js'), 'operator', 'run', '--kubeconfig', kube.kubeconfigPath, '--namespace', leaseNs, '--identity', 'cli-op', '--lease-duration', '5'], {
    env: { ...process.env, HOLDFAST_FROM_SOURCE: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    const coordination = kube.kc.makeApiClient(k8s.CoordinationV1Api);
    const lease = () => coordination.readNamespacedLease({ namespace: leaseNs, name: 'holdfast-operator' });
    await eventually('the CLI operator to lead', async () => (await lease()).spec?.holderIdentity === 'cli-op', 60_000);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.equal((await lease()).spec?.holderIdentity ?? '', '', 'the lease was released');
    assert.doesNotMatch(stderr, /token|BEGIN/i);
  } finally {
    child.kill('SIGKILL');
  }
});

test('holdfast operator run with a kubeconfig that does not exist fails in one line with exit code 2', () => {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'holdfast.js'), 'operator', 'run', '--kubeconfig', '/nonexistent/kubeconfig'], {
    env: { ...process.env, HOLDFAST_FROM_SOURCE: '1' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^holdfast: load kubeconfig \/nonexistent\/kubeconfig: .*\n$/);
});
