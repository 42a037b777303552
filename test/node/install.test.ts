/**
 * Installing Holdfast on a real cluster as a user does, on the real one-node cluster
 * (test/harness/node.ts) running the image the Dockerfile describes (test/harness/image.ts):
 * `kubectl apply -f deploy/crds -f deploy/operator` on a fresh cluster, its uninstall, then
 * `helm install` of deploy/helm/holdfast, its uninstall and a second install. An uninstall removes the
 * operator and keeps what outlives it: the namespace holding the CA, the CA itself, the custom
 * resources. One bring-up for the whole file: each test continues from the one before.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { holdfastImage, importHoldfastImage, type BuiltImage } from '../harness/image.js';
import { HELM } from '../harness/kube.js';
import { startRealNode, type RealNode } from '../harness/node.js';
import { containerdSock } from '../harness/node-config.js';

const root = new URL('../..', import.meta.url).pathname;
const deploy = (p: string) => join(root, 'deploy', p);
const NS = 'holdfast-system';
const OPERATOR = 'app.kubernetes.io/name=holdfast-operator';

describe('installing Holdfast on a real one-node cluster', { timeout: 30 * 60_000 }, () => {
  let node: RealNode | undefined;
  let image: BuiltImage;
  /** What the first operator's CA looked like, to tell it from a new one. */
  let ca: { uid: string; id: string; bundle: string };

  const ok = (args: string[], input?: string) => {
    const r = node!.kubectl(args, input);
    assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const json = (args: string[]) => JSON.parse(ok([...args, '-o', 'json']));
  const helm = (args: string[]) => {
    const r = node!.inNetns(HELM, ['--kubeconfig', node!.kubeconfigPath, ...args]);
    assert.equal(r.status, 0, `helm ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const eventually = async (what: string, check: () => boolean, ms = 120_000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) assert.fail(`${what}: not within ${ms / 1000} s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const caSeen = () => {
    const secret = json(['-n', NS, 'get', 'secret', 'holdfast-ca']);
    const tls = json(['-n', 'shop', 'get', 'secret', 'shop-tls']);
    return { uid: secret.metadata.uid, id: tls.metadata.annotations['holdfast.dev/ca-id'], bundle: json(['-n', 'shop', 'get', 'configmap', 'shop-ca']).data['ca.crt'] };
  };

  /**
   * The operator Deployment is Available with every replica on the image we built, and one of them
   * leads (holds the Lease): it reached the API server from inside the cluster and runs.
   */
  const operatorRuns = async () => {
    ok(['-n', NS, 'wait', '--for=condition=Available', 'deployment/holdfast-operator', '--timeout=300s']);
    type Pod = { metadata: { name: string; deletionTimestamp?: string }; status: { phase: string; containerStatuses?: { image: string; imageID: string; ready: boolean }[] } };
    let running: Pod[] = [];
    await eventually('both replicas ready', () => {
      const pods = json(['-n', NS, 'get', 'pods', '-l', OPERATOR]).items as Pod[];
      running = pods.filter((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running' && p.status.containerStatuses?.[0]?.ready);
      return running.length === 2;
    });
    for (const p of running) {
      const [c] = p.status.containerStatuses!;
      assert.equal(c!.image, image.ref);
      assert.ok(c!.imageID.endsWith(image.configDigest.replace(/^sha256:/, '')), `${p.metadata.name} runs ${c!.imageID}, not ${image.configDigest}`);
    }
    const names = running.map((p) => p.metadata.name);
    await eventually('a replica leads', () => names.includes(leader()));
    return names;
  };
  const leader = () => node!.kubectl(['-n', NS, 'get', 'lease', 'holdfast-operator', '-o', 'jsonpath={.spec.holderIdentity}']).stdout;
  // The leader's Lease is not asserted released: both uninstalls delete its RBAC with the Deployment,
  // so its release on SIGTERM is refused and the next install leads once the Lease expires (15 s).
  const operatorGone = () => eventually('the operator pods go', () => json(['-n', NS, 'get', 'pods', '-l', OPERATOR]).items.length === 0);

  before(async () => {
    // Built (or taken from its cache) before the bring-up: the node and its lock are not held meanwhile.
    const t0 = Date.now();
    await holdfastImage();
    const t1 = Date.now();
    node = await startRealNode();
    const t2 = Date.now();
    image = await importHoldfastImage(containerdSock(node.paths));
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(`image ready in ${s(t1 - t0)}; real node usable after ${s(t2 - t1)} (${node.bringUpSeconds.toFixed(1)} s of it bring-up, the rest waiting for the node lock); image imported in ${s(Date.now() - t2)}`);
  });
  after(async () => {
    const t0 = Date.now();
    const left = await node?.stop();
    console.log(`real node torn down in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.deepEqual(left ?? [], [], 'the real node left things behind');
  });

  it('installs with one kubectl apply of deploy/crds and deploy/operator on a fresh cluster', async () => {
    assert.equal(node!.kubectl(['get', 'namespace', NS]).status, 1, `${NS} exists before the install`);
    const out = ok(['apply', '-f', deploy('crds'), '-f', deploy('operator')]);
    assert.match(out, new RegExp(`namespace/${NS} created`));
    await operatorRuns();
  });

  it("hands the Lease over when the leader's pod is deleted: the kubelet's SIGTERM reaches the operator through tini", async () => {
    await operatorRuns();
    const old = leader();
    ok(['-n', NS, 'delete', 'pod', old, '--wait=false']);
    // The replica that was running takes it, or the Deployment's replacement when that one is quicker
    // to try (each retries every 2 s): either is a handover.
    let next = '';
    await eventually('another replica leads', () => {
      next = leader();
      return next !== '' && next !== old;
    });
    // Released, not expired: the old leader gave the Lease up on its way out.
    assert.match(ok(['-n', NS, 'logs', next]), /"msg":"became leader".*"reason":"Released"/);
    await operatorRuns();
  });

  it('issues a certificate from its CA', () => {
    ok(['create', 'namespace', 'shop']);
    ok(['-n', 'shop', 'apply', '-f', deploy('examples/certificate.yaml')]);
    ok(['-n', 'shop', 'wait', '--for=condition=Ready', 'certificatepolicy/shop', '--timeout=120s']);
    ca = caSeen();
  });

  it('kubectl delete -f deploy/operator removes the operator and keeps its namespace, the CA and the custom resources', async () => {
    ok(['delete', '-f', deploy('operator'), '--timeout=180s']);
    await operatorGone();
    assert.equal(ok(['get', 'namespace', NS, '-o', 'jsonpath={.status.phase}']), 'Active');
    assert.equal(caSeen().uid, ca.uid, 'the CA Secret was replaced');
    assert.equal(node!.kubectl(['get', 'clusterrole', 'holdfast-operator']).status, 1, 'ClusterRole holdfast-operator left behind');
    ok(['-n', 'shop', 'get', 'certificatepolicy', 'shop']);
  });

  it('helm install runs the operator again, on the CA that outlived the first one', async () => {
    helm(['install', 'holdfast', deploy('helm/holdfast'), '-n', NS, '--create-namespace', '--wait', '--timeout', '5m']);
    await operatorRuns();
    // A forced reissue proves the new operator works and shows which CA it signs with.
    ok(['-n', 'shop', 'annotate', 'certificatepolicy', 'shop', 'holdfast.dev/reissue=after-reinstall']);
    ok(['-n', 'shop', 'wait', '--for=jsonpath={.status.handledReissue}=after-reinstall', 'certificatepolicy/shop', '--timeout=120s']);
    ok(['-n', 'shop', 'wait', '--for=condition=Ready', 'certificatepolicy/shop', '--timeout=60s']);
    assert.deepEqual(caSeen(), ca);
  });

  it('helm uninstall leaves nothing that breaks a second install', async () => {
    helm(['uninstall', 'holdfast', '-n', NS, '--wait', '--timeout', '5m']);
    await operatorGone();
    const left = ok(['get', 'clusterroles,clusterrolebindings', '-l', 'app.kubernetes.io/instance=holdfast', '-o', 'name']);
    assert.equal(left, '', `cluster-wide objects left by helm uninstall:\n${left}`);
    const inNs = ok(['-n', NS, 'get', 'deployments,serviceaccounts,roles,rolebindings', '-l', 'app.kubernetes.io/instance=holdfast', '-o', 'name']);
    assert.equal(inNs, '', `objects left in ${NS}:\n${inNs}`);
    helm(['install', 'holdfast', deploy('helm/holdfast'), '-n', NS, '--wait', '--timeout', '5m']);
    await operatorRuns();
    helm(['uninstall', 'holdfast', '-n', NS, '--wait', '--timeout', '5m']);
    await operatorGone();
    assert.equal(caSeen().uid, ca.uid, 'helm uninstall replaced the CA Secret');
  });
});
