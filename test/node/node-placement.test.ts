/**
 * Node placement on a real one-node cluster (issue 13: the data mover working where the
 * application's namespace enforces Pod Security `restricted`): a volume with several owners (a
 * database's uid 999, mode 0700, beside an application's uid 1000 files, some 0600) on a local PV
 * in a `restricted` namespace. The data mover Holdfast would run in that namespace cannot read it
 * (the run fails, its logs say why); the node-placed one (a root pod in Holdfast's own, privileged
 * namespace, on the node, reading where the kubelet mounted the volume for the application's pod)
 * backs it up, and a restore into a new PVC (through a restricted holder pod) gives back every
 * file's content, mode, owner, group and mtime. The real kubelet, scheduler, PV binder and Job
 * controller do their parts.
 *
 * Runs in `npm test` like every file in test/node: as root, after scripts/prepare/.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run as holdfast } from '../engine/cli.js';
import { holdfastImage, importHoldfastImage, type BuiltImage } from '../harness/image.js';
import { containerdSock, NODE_IP, NODE_NAME } from '../harness/node-config.js';
import { exposeToCluster, type ClusterDoor } from '../harness/node-expose.js';
import { startRealNode, type RealNode } from '../harness/node.js';
import { startS3Server, type S3TestServer } from '../harness/s3-server.js';
import { operatorManifests, reservedPv } from './shop-manifests.js';
import { kubectlOf, tearDown, waitFor } from './kubectl.js';
import { differences, tree } from './trees.js';

const deploy = new URL('../../deploy/', import.meta.url).pathname;
const NS = 'vault';
const PASSWORD = 'vault-repository-password';
const S3_PORT = 9000;
const DB = 999;
const APP = 1000;

interface Condition { type: string; status: string; reason?: string; message?: string }
interface PolicyStatus { status?: { conditions?: Condition[]; currentRun?: { failed?: { pvc: string; reason: string; message: string }[] }; lastRun?: { failed: number; succeeded: number } } }
interface RestorePoint { metadata: { name: string }; status?: { snapshotId?: string } }
interface Restore { status?: { phase?: string; conditions?: Condition[] } }
interface Job { metadata: { name: string; namespace: string }; spec: { template: { spec: { nodeName?: string; volumes: { name: string; hostPath?: { path: string } }[] } } } }

const seconds = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const list = (...items: object[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

/** A local PV on the node, reserved for one claim. */
const localPv = (name: string, path: string, claim: string) =>
  reservedPv(name, { namespace: NS, name: claim }, {
    storageClassName: 'local',
    local: { path },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [NODE_NAME] }] }] } },
  });

/** A file of `bytes` random bytes, its owner, mode and mtime set. */
function file(path: string, bytes: number, uid: number, mode: number, mtime: number): void {
  writeFileSync(path, randomBytes(bytes));
  chownSync(path, uid, uid);
  chmodSync(path, mode);
  utimesSync(path, mtime, mtime);
}
function dir(path: string, uid: number, mode: number): void {
  mkdirSync(path, { recursive: true });
  chownSync(path, uid, uid);
  chmodSync(path, mode);
}

/** What PostgreSQL keeps (uid 999, 0700 and 0600) beside what the application keeps (uid 1000, some 0600). */
function severalOwners(root: string): void {
  const t = Date.UTC(2026, 10, 30, 12, 0, 0) / 1000;
  dir(root, APP, 0o755);
  dir(join(root, 'pg'), DB, 0o700);
  dir(join(root, 'pg', 'base'), DB, 0o700);
  file(join(root, 'pg', 'PG_VERSION'), 16, DB, 0o600, t);
  file(join(root, 'pg', 'base', '16384'), 300 * 1024, DB, 0o600, t + 1);
  dir(join(root, 'app'), APP, 0o755);
  file(join(root, 'app', 'config.json'), 200, APP, 0o644, t + 2);
  file(join(root, 'app', 'secret.key'), 32, APP, 0o600, t + 3);
  file(join(root, 'app', 'uploads.bin'), 2 * 1024 * 1024, APP, 0o640, t + 4);
  // Directories last, deepest first: creating their entries moved their mtimes.
  for (const [d, s] of [['pg/base', 5], ['pg', 6], ['app', 7], ['', 8]] as const) utimesSync(join(root, d), t + s, t + s);
}

describe('node placement on a real node: a volume with several owners in a restricted namespace', { timeout: 40 * 60_000 }, () => {
  let image: BuiltImage;
  let s3: S3TestServer;
  let node: RealNode | undefined;
  let door: ClusterDoor | undefined;
  let dirs: { data: string; restored: string };
  let point = '';

  const { k, json } = kubectlOf(() => node);
  const logs = (ns: string, selector: string) => node!.kubectl(['-n', ns, 'logs', '-l', selector, '--tail=40', '--all-containers', '--prefix']).stdout;
  const trigger = (policy: string) => k(['-n', NS, 'annotate', 'backuppolicy', policy, `holdfast.dev/trigger=${Date.now()}`, '--overwrite']);
  const policyStatus = (policy: string) => json<PolicyStatus>(['-n', NS, 'get', 'backuppolicy', policy]).status ?? {};
  const s3Env = () => s3.env() as Record<string, string>;

  before(async () => {
    const t0 = Date.now();
    image = await holdfastImage();
    s3 = await startS3Server({ extraSans: [`IP:${NODE_IP}`] });
    assert.equal(holdfast(s3.url(s3.buckets.plain, 'vault'), ['repo', 'init'], { ...s3Env(), HOLDFAST_PASSWORD: PASSWORD }).code, 0);
    node = await startRealNode();
    console.log(`real node usable after ${node.bringUpSeconds.toFixed(1)} s`);
    const root = join(node.paths.state, 'volumes');
    dirs = { data: join(root, 'vault-data'), restored: join(root, 'vault-restored') };
    severalOwners(dirs.data);
    // A fresh disk for the restore, as a provisioner leaves it: root's, empty.
    dir(dirs.restored, 0, 0o755);
    await importHoldfastImage(containerdSock(node.paths));
    door = await exposeToCluster(node, Number(new URL(s3.endpoint).port), S3_PORT);
    console.log(`set up in ${seconds(t0)}`);
  });
  after(() => tearDown({ door, node, s3 }));

  it('runs the operator from deploy/, in a namespace that admits privileged pods, told where this kubelet keeps its pods', () => {
    k(['apply', '-f', join(deploy, 'crds')]);
    k(['apply', '-f', '-'], operatorManifests(image.ref, ['--kubelet-dir', join(node!.paths.state, 'kubelet')]));
    k(['-n', 'holdfast-system', 'rollout', 'status', 'deployment/holdfast-operator', '--timeout=300s']);
    const labels = json<{ metadata: { labels: Record<string, string> } }>(['get', 'namespace', 'holdfast-system']).metadata.labels;
    assert.equal(labels['pod-security.kubernetes.io/enforce'], 'privileged');
  });

  it('keeps the application running under restricted, its data on a local PV', async () => {
    const pod = { runAsNonRoot: true, runAsUser: APP, runAsGroup: APP, seccompProfile: { type: 'RuntimeDefault' } };
    k(['apply', '-f', '-'], list(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
      localPv('vault-data', dirs.data, 'data'),
      localPv('vault-restored', dirs.restored, 'data-restored'),
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: NS, labels: { backup: 'vault' } }, spec: { storageClassName: 'local', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      {
        apiVersion: 'v1', kind: 'Secret', metadata: { name: 'repo', namespace: NS },
        stringData: { password: PASSWORD, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, 'ca.crt': readFileSync(s3.caFile!, 'utf8') },
      },
      {
        apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupRepository', metadata: { name: 's3', namespace: NS },
        spec: { url: `s3:https://${door!.address}/${s3.buckets.plain}/vault`, s3: { region: 'us-east-1' }, credentials: { secretName: 'repo', accessKeyIdKey: 'accessKeyId', secretAccessKeyKey: 'secretAccessKey', caKey: 'ca.crt' } },
      },
      {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: NS },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'vault' } },
          template: {
            metadata: { labels: { app: 'vault' } },
            spec: {
              securityContext: pod,
              terminationGracePeriodSeconds: 1,
              containers: [{
                name: 'app', image: image.ref, imagePullPolicy: 'IfNotPresent', command: ['sleep', 'infinity'],
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              }],
              volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
            },
          },
        },
      },
    ));
    k(['-n', NS, 'rollout', 'status', 'deployment/app', '--timeout=300s']);
  });

  it('cannot back it up with the data mover in the application\'s namespace: the run fails and its logs say why', async () => {
    const t0 = Date.now();
    const common = { schedule: '0 3 * * *', suspend: true, repository: 's3', selector: { matchLabels: { backup: 'vault' } }, failOnUnreadable: true };
    k(['apply', '-f', '-'], list(
      { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name: 'in-namespace', namespace: NS }, spec: common },
      { apiVersion: 'holdfast.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name: 'on-node', namespace: NS }, spec: { ...common, dataMover: { placement: 'Node' } } },
    ));
    trigger('in-namespace');
    const st = await waitFor('the in-namespace run to end', 10 * 60_000, () => (policyStatus('in-namespace').lastRun ? policyStatus('in-namespace') : undefined));
    assert.deepEqual([st.lastRun!.succeeded, st.lastRun!.failed], [0, 1]);
    assert.equal(st.conditions!.find((c) => c.type === 'Ready')!.reason, 'LastRunFailed');
    const why = logs(NS, 'holdfast.dev/policy=in-namespace');
    assert.match(why, /permission denied/i, why);
    console.log(`in-namespace backup refused in ${seconds(t0)}: ${why.split('\n').find((l) => /permission denied/i.test(l))}`);
  });

  it('backs it up with placement Node: a root data mover in Holdfast\'s namespace, on the node, reading the kubelet\'s mount for the application\'s pod', async () => {
    const t0 = Date.now();
    trigger('on-node');
    const jobs = await waitFor('the node-placed Job', 5 * 60_000, () => {
      const l = json<{ items: Job[] }>(['-n', 'holdfast-system', 'get', 'jobs', '-l', 'holdfast.dev/policy=on-node']).items;
      return l.length ? l : undefined;
    });
    const appPod = json<{ items: { metadata: { uid: string } }[] }>(['-n', NS, 'get', 'pods', '-l', 'app=vault']).items[0]!;
    const spec = jobs[0]!.spec.template.spec;
    assert.equal(spec.nodeName, NODE_NAME);
    assert.equal(spec.volumes.find((v) => v.name === 'data')?.hostPath?.path, join(node!.paths.state, 'kubelet', 'pods', appPod.metadata.uid, 'volumes', 'kubernetes.io~local-volume', 'vault-data'));
    const rp = await waitFor('a RestorePoint of on-node', 10 * 60_000, () => json<{ items: RestorePoint[] }>(['-n', NS, 'get', 'restorepoints', '-l', 'holdfast.dev/policy=on-node']).items.find((x) => x.status?.snapshotId), () => {
      const st = policyStatus('on-node');
      if (st.currentRun?.failed?.length || st.lastRun?.failed)
        throw new Error(`on-node failed: ${JSON.stringify(st.currentRun?.failed)} ${JSON.stringify(st.conditions)}\n${logs('holdfast-system', 'holdfast.dev/policy=on-node')}`);
    });
    point = rp.metadata.name;
    const snaps = holdfast(s3.url(s3.buckets.plain, 'vault'), ['snapshots', '--json'], { ...s3Env(), HOLDFAST_PASSWORD: PASSWORD });
    assert.ok((JSON.parse(snaps.out) as { id: string }[]).some((s) => s.id === rp.status!.snapshotId), 'the snapshot is in the S3 repository');
    assert.deepEqual(json<{ items: Job[] }>(['-n', NS, 'get', 'jobs', '-l', 'holdfast.dev/policy=on-node']).items, [], 'no data mover ran in the application\'s namespace');
    console.log(`node-placed backup in ${seconds(t0)}`);
  });

  it('restores it into a new PVC through a restricted holder pod: every file\'s content, mode, owner, group and mtime as backed up', async () => {
    const t0 = Date.now();
    k(['apply', '-f', '-'], list({ apiVersion: 'holdfast.dev/v1alpha1', kind: 'Restore', metadata: { name: 'to-new', namespace: NS }, spec: { restorePoint: point, target: { mode: 'NewPVC', pvcName: 'data-restored' } } }));
    const restore = () => json<Restore>(['-n', NS, 'get', 'restore', 'to-new']).status ?? {};
    await waitFor('Restore to-new Succeeded', 10 * 60_000, () => (restore().phase === 'Succeeded' ? true : undefined), () => {
      const st = restore();
      if (st.phase === 'Failed') throw new Error(`Restore failed: ${JSON.stringify(st.conditions)}\n${logs('holdfast-system', 'holdfast.dev/restore=to-new')}`);
    });
    assert.deepEqual(differences(tree(dirs.data), tree(dirs.restored)), []);
    await waitFor('the holder pod gone', 120_000, () => (json<{ items: unknown[] }>(['-n', NS, 'get', 'pods', '-l', 'holdfast.dev/holder=to-new']).items.length === 0 ? true : undefined));
    console.log(`node-placed restore into a new PVC in ${seconds(t0)}`);
  });
});
