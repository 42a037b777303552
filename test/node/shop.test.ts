/**
 * Holdfast protecting the example shop on a real one-node cluster (issue 13's real-node flows):
 * the operator runs from the Holdfast image; the shop runs as a Deployment with its data on a PVC
 * owned by uid 999 (mode 0700) and serves HTTPS from Holdfast's CA; BackupPolicies with hooks back
 * it up into S3 (versitygw, reached through the cluster network) and into a repository on a volume;
 * the RestorePoint records the pod's real image digest; restores into a new PVC and in place give
 * back every file's content, mode, owner and mtime. The real kubelet, Job controller and garbage
 * collector do their parts: nothing here plays them.
 *
 * Runs in `npm test` like every file in test/node: as root, after scripts/prepare/ (node binaries,
 * containerd); the image comes from test/harness/image.ts. A missing part fails the bring-up.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTree, type Entry } from '../../src/backup/testing.js';
import { run as holdfast } from '../engine/cli.js';
import { holdfastImage, importHoldfastImage, importVersion, pinByDigest, type BuiltImage } from '../harness/image.js';
import { containerdSock, NODE_IP } from '../harness/node-config.js';
import { exposeToCluster, type ClusterDoor } from '../harness/node-expose.js';
import { startRealNode, type RealNode } from '../harness/node.js';
import { startS3Server, type S3TestServer } from '../harness/s3-server.js';
import { backupPolicies, hostPathPv, NS, operatorManifests, OWNER, PASSWORD, restore, shopManifests, tlsClientPod } from './shop-manifests.js';
import { kubectlOf, tearDown, waitFor } from './kubectl.js';
import { differences, tree } from './trees.js';

const deploy = new URL('../../deploy/', import.meta.url).pathname;
const S3_PORT = 9000;

/** What these tests read of API objects (kubectl -o json). */
interface Meta { metadata: { name: string; deletionTimestamp?: string } }
interface Pod extends Meta { status: { containerStatuses: { image: string; imageID: string; ready: boolean }[] } }
interface RestorePoint extends Meta {
  status?: { snapshotId?: string; provenance: { workloads: { workload: string; container?: string; imageDigest?: string }[]; hooks: { phase: string; name: string; outcome: string }[] } };
}
interface Status { status?: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[]; currentRun?: { failed?: unknown[] }; lastRun?: { failed: number } } }
interface IncidentStatus extends Status {
  status?: Status['status'] & { plan?: { restorePoint?: string; reasoning?: string[] }; steps?: { name: string; phase: string; message?: string }[]; evidence?: { restorePoint?: string; snapshotId?: string }; report?: { configMap: string } };
}
interface Verdict { verdict: string; version: { imageDigests: string[] }; findings: { id: string; ruleId: string; severity: string; message: string; path: string; startLine: number }[] }
interface Manifest { spec: { template: { spec: { containers: { image: string }[] } } } }

/**
 * Opens a new TLS connection (no reuse) every 20 ms, trusting only the CAs in the bundle file given,
 * read again for each connection, or every `reloadMs` (a client that loads its trust at start and
 * refreshes it on a timer: the file changes under it whenever the kubelet syncs the ConfigMap), until
 * SIGTERM or until the stop file (optional) appears; prints how many handshakes succeeded and
 * failed, the serials it was served, and when the bundle it read changed (its count of roots).
 */
const TLS_CLIENT = `
import { connect } from 'node:tls';
import { existsSync, readFileSync } from 'node:fs';
const [hostArg, servername, caFile, stopFile, reloadArg] = process.argv.slice(1);
const reloadMs = Number(reloadArg || 0);
const host = hostArg || process.env.SHOP_SERVICE_HOST;
const r = { ok: 0, failed: 0, errors: [], serials: [], bundles: [] };
let open = 0;
let last = '';
let ca = '';
let readAt = 0;
const fail = (m) => { r.failed++; if (r.errors.length < 10) r.errors.push(new Date().toISOString() + ' ' + m); };
const one = () => {
  if (reloadMs === 0 || Date.now() - readAt >= reloadMs) { ca = readFileSync(caFile, 'utf8'); readAt = Date.now(); }
  if (ca !== last) { last = ca; r.bundles.push(new Date().toISOString() + ' ' + (ca.split('BEGIN CERTIFICATE').length - 1) + ' root(s)'); }
  open++;
  let settled = false;
  const settle = (err) => {
    if (settled) return;
    settled = true;
    open--;
    if (err) fail(err);
  };
  // Verified as any client does; rejectUnauthorized is off only so that a failure can say what was served.
  const s = connect({ host, port: 443, servername, ca, timeout: 5000, rejectUnauthorized: false }, () => {
    const peer = s.getPeerCertificate(true);
    if (!s.authorized) {
      const chain = [];
      for (let c = peer; c && c.raw && chain.length < 4; c = c.issuerCertificate === c ? undefined : c.issuerCertificate)
        chain.push((c.serialNumber || '').toLowerCase() + ' ' + (c.subject && c.subject.CN) + ' < ' + (c.issuer && c.issuer.CN) + ' from ' + c.valid_from);
      settle(s.authorizationError + ': served ' + chain.join(' | ') + ' to a client trusting ' + (ca.split('BEGIN CERTIFICATE').length - 1) + ' root(s)');
      s.destroy();
      return;
    }
    r.ok++;
    const serial = peer.serialNumber.toLowerCase();
    if (!r.serials.includes(serial)) r.serials.push(serial);
    settle();
    s.end();
  });
  s.on('error', (e) => settle(e.message));
  s.on('timeout', () => { settle('timeout'); s.destroy(); });
  s.on('close', () => settle('closed before the handshake finished'));
};
const timer = setInterval(() => (stopFile && existsSync(stopFile) ? stop() : one()), 20);
const stop = () => {
  clearInterval(timer);
  const end = Date.now() + 6000;
  const finish = () => {
    if (open > 0 && Date.now() < end) return setTimeout(finish, 50);
    if (open > 0) fail(open + ' handshakes never finished');
    console.log(JSON.stringify(r));
    process.exit(0);
  };
  finish();
};
process.on('SIGTERM', stop);
`;
interface ClientResult { ok: number; failed: number; errors: string[]; serials: string[]; bundles: string[] }

/** A scanner's SARIF 2.1.0 report: one high finding in the shop's code, or none. */
const sarif = (results: object[]) =>
  JSON.stringify({
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'semgrep', rules: [{ id: 'js/sql-injection', properties: { 'security-severity': '8.8' } }] } }, results }],
  });
const SQL_INJECTION = {
  ruleId: 'js/sql-injection',
  level: 'error',
  message: { text: 'query built from request input' },
  locations: [{ physicalLocation: { artifactLocation: { uri: 'server.ts' }, region: { startLine: 42 } } }],
};

const seconds = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

describe('the example shop protected by Holdfast on a real node', { timeout: 45 * 60_000 }, () => {
  let image: BuiltImage;
  let s3: S3TestServer;
  let node: RealNode | undefined;
  let door: ClusterDoor | undefined;
  let dirs: { data: string; repo: string; restored: string };
  const backedUp = new Map<string, { point: string; tree: Map<string, Entry>; items: unknown }>();

  const { k, json } = kubectlOf(() => node);
  const jobLogs = (selector: string) => node!.kubectl(['-n', NS, 'logs', '-l', selector, '--tail=40', '--all-containers']).stdout;

  /** HTTPS through the shop's Service, from the node, trusting only the CA Holdfast published. */
  const curl = (path: string, body?: object) => {
    const ip = k(['-n', NS, 'get', 'service', 'shop', '-o', 'jsonpath={.spec.clusterIP}']);
    const ca = join(node!.paths.state, 'shop-ca.crt');
    // Replaced, never rewritten in place: a client reading the file meanwhile would see it empty.
    writeFileSync(`${ca}.new`, k(['-n', NS, 'get', 'configmap', 'shop-ca', '-o', 'jsonpath={.data.ca\\.crt}']));
    renameSync(`${ca}.new`, ca);
    const args = ['-sS', '--fail', '--max-time', '10', '--cacert', ca, '--resolve', `shop.${NS}.svc:443:${ip}`, `https://shop.${NS}.svc${path}`];
    if (body) args.push('-H', 'content-type: application/json', '--data', JSON.stringify(body));
    return spawnSync('nsenter', [`--net=/run/netns/${node!.netns}`, '--', 'curl', ...args], { encoding: 'utf8' });
  };
  const shop = (path: string, body?: object) => {
    const r = curl(path, body);
    assert.equal(r.status, 0, `curl https://shop.${NS}.svc${path}: ${r.stderr}`);
    return JSON.parse(r.stdout) as unknown;
  };
  /**
   * One ready shop pod, the certificate rolled out, and the Service answering: the state a backup
   * of "the shop" means (during a rollout two pods mount the volume), and the endpoint kube-proxy
   * programs a moment after the pod is ready.
   */
  const settled = async () => {
    k(['-n', NS, 'rollout', 'status', 'deployment/shop', '--timeout=300s']);
    await waitFor('the shop settled on one ready pod, answering through its Service', 300_000, () => {
      const rolled = json<Status>(['-n', NS, 'get', 'certificatepolicy', 'shop']).status?.conditions?.find((c) => c.type === 'RolledOut')?.status === 'True';
      const pods = json<{ items: Pod[] }>(['-n', NS, 'get', 'pods', '-l', 'app=shop']).items;
      const one = pods.length === 1 && !pods[0]!.metadata.deletionTimestamp && pods[0]!.status.containerStatuses?.[0]?.ready;
      return rolled && one && curl('/healthz').status === 0 ? true : undefined;
    });
  };

  /** Asks for a new key (holdfast.dev/reissue=`value`) and waits until the shop, settled, serves it. */
  const reissue = async (value: string) => {
    const serialOf = () => k(['-n', NS, 'get', 'certificatepolicy', 'shop', '-o', 'jsonpath={.status.serial}']);
    const before = serialOf();
    k(['-n', NS, 'annotate', 'certificatepolicy', 'shop', `holdfast.dev/reissue=${value}`, '--overwrite']);
    const serial = await waitFor('a new serial', 120_000, () => {
      const s = serialOf();
      return s && s !== before ? s : undefined;
    });
    await waitFor('the shop serving the new certificate', 300_000, () => ((shop('/healthz') as { serial: string }).serial === serial ? true : undefined));
    await settled();
  };

  const trigger = (policy: string) => k(['-n', NS, 'annotate', 'backuppolicy', policy, `holdfast.dev/trigger=${Date.now()}`, '--overwrite']);
  const pointsOf = (policy: string) => json<{ items: RestorePoint[] }>(['-n', NS, 'get', 'restorepoints', '-l', `holdfast.dev/policy=${policy}`]).items;
  /** The Ready RestorePoint of `policy`'s run (none of `earlier`), failing at once when the run recorded a failure. */
  const restorePoint = (policy: string, earlier: RestorePoint[] = []) =>
    waitFor(
      `a RestorePoint of ${policy}`,
      10 * 60_000,
      () => pointsOf(policy).find((rp) => rp.status?.snapshotId && !earlier.some((e) => e.metadata.name === rp.metadata.name)),
      () => {
        const st = json<Status>(['-n', NS, 'get', 'backuppolicy', policy]).status ?? {};
        const failed = [...(st.currentRun?.failed ?? [])];
        if (failed.length || st.lastRun?.failed) throw new Error(`${policy} failed: ${JSON.stringify(failed)} ${JSON.stringify(st.conditions)}\n${jobLogs(`holdfast.dev/policy=${policy}`)}`);
      },
    );
  const restored = (name: string) =>
    waitFor(
      `Restore ${name} Succeeded`,
      10 * 60_000,
      () => (json<Status>(['-n', NS, 'get', 'restore', name]).status?.phase === 'Succeeded' ? true : undefined),
      () => {
        const st = json<Status>(['-n', NS, 'get', 'restore', name]).status ?? {};
        if (st.phase === 'Failed') throw new Error(`Restore ${name} failed: ${JSON.stringify(st.conditions)}\n${jobLogs(`holdfast.dev/restore=${name}`)}`);
      },
    );
  const snapshotIds = (repo: string, env: Record<string, string> = {}) => {
    const r = holdfast(repo, ['snapshots', '--json'], { HOLDFAST_PASSWORD: PASSWORD, ...env });
    assert.equal(r.code, 0, r.err);
    return (JSON.parse(r.out) as { id: string }[]).map((s) => s.id);
  };
  const s3Env = () => s3.env() as Record<string, string>;

  before(async () => {
    const t0 = Date.now();
    image = await holdfastImage();
    s3 = await startS3Server({ extraSans: [`IP:${NODE_IP}`] });
    // Repositories are initialised before the operator is pointed at them, as a user does.
    const s3Repo = s3.url(s3.buckets.plain, 'shop');
    assert.equal(holdfast(s3Repo, ['repo', 'init'], { ...s3Env(), HOLDFAST_PASSWORD: PASSWORD }).code, 0);
    node = await startRealNode();
    console.log(`real node usable after ${node.bringUpSeconds.toFixed(1)} s`);
    const root = join(node.paths.state, 'volumes');
    dirs = { data: join(root, 'shop-data'), repo: join(root, 'shop-repo'), restored: join(root, 'shop-restored') };
    // The shop's data directory as PostgreSQL keeps one: every entry its user's, the top 0700.
    mkdirSync(dirs.data, { recursive: true });
    await makeTree(dirs.data, { bigBytes: 1 << 20 });
    spawnSync('chown', ['-hR', `${OWNER}:${OWNER}`, dirs.data]);
    chmodSync(dirs.data, 0o700);
    mkdirSync(dirs.repo);
    assert.equal(holdfast(dirs.repo, ['repo', 'init'], { HOLDFAST_PASSWORD: PASSWORD }).code, 0);
    spawnSync('chown', ['-R', `${OWNER}:${OWNER}`, dirs.repo]);
    const t1 = Date.now();
    await importHoldfastImage(containerdSock(node.paths));
    console.log(`image ${image.ref} imported in ${seconds(t1)}`);
    door = await exposeToCluster(node, Number(new URL(s3.endpoint).port), S3_PORT);
    console.log(`set up in ${seconds(t0)}`);
  });
  after(() => tearDown({ door, node, s3 }));

  it('runs the operator from the Holdfast image, installed with kubectl apply of deploy/', async () => {
    const t0 = Date.now();
    k(['apply', '-f', join(deploy, 'crds')]);
    k(['apply', '-f', '-'], operatorManifests(image.ref));
    k(['-n', 'holdfast-system', 'rollout', 'status', 'deployment/holdfast-operator', '--timeout=300s']);
    const pods = json<{ items: Pod[] }>(['-n', 'holdfast-system', 'get', 'pods', '-l', 'app.kubernetes.io/name=holdfast-operator']).items;
    for (const p of pods) assert.equal(p.status.containerStatuses[0]!.image, image.ref);
    const holder = await waitFor('the operator Lease', 120_000, () =>
      node!.kubectl(['-n', 'holdfast-system', 'get', 'lease', 'holdfast-operator', '-o', 'jsonpath={.spec.holderIdentity}']).stdout || undefined,
    );
    assert.ok(pods.some((p) => holder.startsWith(p.metadata.name)), `Lease held by ${holder}, not one of the operator's pods`);
    console.log(`operator running and leading in ${seconds(t0)}`);
  });

  it('serves the shop over HTTPS from Holdfast\'s CA through its Service, data on a PVC owned by uid 999', async () => {
    const t0 = Date.now();
    k(['apply', '-f', '-'], shopManifests({
      image: image.ref,
      dataDir: dirs.data,
      repoDir: dirs.repo,
      s3: { url: `s3:https://${door!.address}/${s3.buckets.plain}/shop`, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, ca: readFileSync(s3.caFile!, 'utf8') },
    }));
    await settled();
    for (const sku of ['anchor', 'rope', 'buoy']) shop('/items', { sku });
    const health = shop('/healthz') as { ok: boolean; serial: string };
    const cert = Buffer.from(k(['-n', NS, 'get', 'secret', 'shop-tls', '-o', 'jsonpath={.data.tls\\.crt}']), 'base64');
    assert.equal(health.serial, new X509Certificate(cert).serialNumber.toLowerCase(), 'the shop serves the certificate Holdfast issued');
    assert.equal((shop('/items') as unknown[]).length, 3);
    const st = lstatSync(join(dirs.data, 'items.jsonl'));
    assert.deepEqual([st.uid, st.gid], [OWNER, OWNER], 'the shop writes as the volume\'s owner');
    console.log(`shop serving in ${seconds(t0)}`);
  });

  it('backs up into S3 with pre and post hooks, and the RestorePoint records the pod\'s real image digest', async () => {
    const t0 = Date.now();
    k(['apply', '-f', '-'], backupPolicies());
    trigger('to-s3');
    const rp = await restorePoint('to-s3');
    backedUp.set('to-s3', { point: rp.metadata.name, tree: tree(dirs.data), items: shop('/items') });
    const pod = json<{ items: Pod[] }>(['-n', NS, 'get', 'pods', '-l', 'app=shop']).items[0]!;
    const imageID = pod.status.containerStatuses[0]!.imageID;
    const digest = /sha256:[0-9a-f]{64}$/.exec(imageID)?.[0];
    assert.ok(digest, `the kubelet reported imageID ${imageID}`);
    const { provenance } = rp.status!;
    assert.deepEqual(provenance.workloads.map((x) => [x.workload, x.container, x.imageDigest]), [[`${NS}/Deployment/shop`, 'shop', digest]]);
    assert.equal(digest.replace(/^sha256:/, ''), image.configDigest.replace(/^sha256:/, ''), `recorded ${digest}, the image built has config ${image.configDigest}`);
    assert.deepEqual(provenance.hooks.map((h) => [h.phase, h.name, h.outcome]), [['pre', 'checkpoint', 'ok'], ['post', 'resume', 'ok']]);
    assert.equal(readFileSync(join(dirs.data, 'checkpoint'), 'utf8'), 'checkpoint\n', 'the pre hook ran in the shop pod');
    k(['-n', NS, 'exec', pod.metadata.name, '--', 'test', '-f', '/tmp/post-hook-ran']);
    assert.ok(snapshotIds(s3.url(s3.buckets.plain, 'shop'), s3Env()).includes(rp.status!.snapshotId!), 'the snapshot is in the S3 repository');
    console.log(`backup to S3 in ${seconds(t0)}`);
  });

  it('backs up into a repository on a volume', async () => {
    const t0 = Date.now();
    trigger('to-volume');
    const rp = await restorePoint('to-volume');
    backedUp.set('to-volume', { point: rp.metadata.name, tree: tree(dirs.data), items: shop('/items') });
    assert.ok(snapshotIds(dirs.repo).includes(rp.status!.snapshotId!), 'the snapshot is in the repository on the volume');
    console.log(`backup to the volume repository in ${seconds(t0)}`);
  });

  it('restores from S3 into a new PVC: every file\'s content, mode, owner and mtime as backed up', async () => {
    const t0 = Date.now();
    const { point, tree: want } = backedUp.get('to-s3')!;
    k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [hostPathPv('shop-restored', dirs.restored, 'data-restored', 'DirectoryOrCreate')] }));
    k(['apply', '-f', '-'], restore('to-new-pvc', point, { mode: 'NewPVC', pvcName: 'data-restored' }));
    await restored('to-new-pvc');
    assert.deepEqual(differences(want, tree(dirs.restored)), []);
    console.log(`restore into a new PVC in ${seconds(t0)}`);
  });

  it('restores in place from the volume repository: the PVC becomes exactly the restore point and the shop serves it', async () => {
    const t0 = Date.now();
    const { point, tree: want, items } = backedUp.get('to-volume')!;
    k(['-n', NS, 'scale', 'deployment/shop', '--replicas=0']);
    k(['-n', NS, 'wait', '--for=delete', 'pod', '-l', 'app=shop', '--timeout=120s']);
    // What a bad version did after the backup: a new file, a changed one, a deleted one, a mode.
    writeFileSync(join(dirs.data, 'added-later'), 'x');
    chownSync(join(dirs.data, 'added-later'), OWNER, OWNER);
    writeFileSync(join(dirs.data, 'items.jsonl'), '{"sku":"poisoned"}\n', { flag: 'a' });
    unlinkSync(join(dirs.data, 'run.sh'));
    chmodSync(join(dirs.data, 'private.key'), 0o644);
    k(['apply', '-f', '-'], restore('in-place', point, { mode: 'InPlace' }));
    await restored('in-place');
    assert.deepEqual(differences(want, tree(dirs.data)), []);
    k(['-n', NS, 'scale', 'deployment/shop', '--replicas=1']);
    await settled();
    assert.deepEqual(shop('/items'), items);
    console.log(`restore in place in ${seconds(t0)}`);
  });

  it('reissues the certificate and rolls the shop while a new TLS connection opens every 20 ms: none fails', async () => {
    const t0 = Date.now();
    const value = String(Date.now());
    const ip = k(['-n', NS, 'get', 'service', 'shop', '-o', 'jsonpath={.spec.clusterIP}']);
    // The client's own copy: curl() replaces shop-ca.crt at each call.
    const ca = join(node!.paths.state, 'reissue-client-ca.crt');
    writeFileSync(ca, k(['-n', NS, 'get', 'configmap', 'shop-ca', '-o', 'jsonpath={.data.ca\\.crt}']));
    const client = spawn('nsenter', [`--net=/run/netns/${node!.netns}`, '--', process.execPath, '--input-type=module', '-e', TLS_CLIENT, ip, `shop.${NS}.svc`, ca], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    client.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const done = new Promise((r) => client.once('exit', r));
    try {
      await new Promise((r) => setTimeout(r, 2000));
      await reissue(value);
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      client.kill('SIGTERM');
      await done;
    }
    const r = JSON.parse(out) as ClientResult;
    console.log(`certificate rolled in ${seconds(t0)}: ${r.ok} handshakes, ${r.failed} failed`);
    assert.deepEqual(r.errors, []);
    assert.equal(r.failed, 0);
    assert.ok(r.ok > 100, `only ${r.ok} handshakes`);
    assert.deepEqual(new Set(r.serials).size, 2, `serials seen: ${r.serials.join(', ')}`);
    // One new key per annotation value (a stale cache once made it two, rolling the shop twice).
    const events = json<{ items: { reason: string; message: string }[] }>(['-n', NS, 'get', 'events', '--field-selector', 'involvedObject.kind=CertificatePolicy']).items;
    assert.deepEqual(events.filter((e) => e.reason === 'Reissued' && e.message.includes(value)).length, 1, JSON.stringify(events.map((e) => e.message)));
  });

  it('recovers from a SARIF report with an Incident: the last clean restore point back, the shop restarted on the pullable known-good reference', async () => {
    const t0 = Date.now();
    const sock = containerdSock(node!.paths);
    const podImage = () => json<{ items: Pod[] }>(['-n', NS, 'get', 'pods', '-l', 'app=shop']).items[0]!.status.containerStatuses[0]!;
    // v1 is the image the shop runs, as pulled from a registry; v2 a rebuild with its own digest.
    const good = pinByDigest(sock, image.ref);
    const bad = await importVersion(sock, 'ghcr.io/holdfast/shop:2.0', ['SHOP_VERSION=2.0'], node!.paths.state);
    const badPinned = pinByDigest(sock, bad.ref);
    k(['-n', NS, 'rollout', 'restart', 'deployment/shop']);
    await settled();
    assert.equal(podImage().imageID, good, 'the kubelet reports the pullable reference of the known-good version');
    const earlier = pointsOf('to-volume');
    trigger('to-volume');
    const clean = await restorePoint('to-volume', earlier);
    const want = { tree: tree(dirs.data), items: shop('/items') };
    assert.deepEqual(clean.status!.provenance.workloads.map((w) => w.imageDigest), [good.split('@')[1]]);

    // The vulnerable version goes live and writes; a backup records it.
    k(['-n', NS, 'set', 'image', 'deployment/shop', `shop=${bad.ref}`]);
    await settled();
    assert.equal(podImage().imageID, badPinned);
    shop('/items', { sku: 'written-by-2.0' });
    const known = pointsOf('to-volume');
    trigger('to-volume');
    const exposed = await restorePoint('to-volume', known);
    assert.deepEqual(exposed.status!.provenance.workloads.map((w) => w.imageDigest), [badPinned.split('@')[1]]);

    // The scanner's reports for both versions, each image named by its digests: 1.0 ran side-loaded
    // before (the kubelet reported its config digest) and pulled since (its manifest digest).
    const catalog = join(node!.paths.state, 'sast.db');
    const sast = (args: string[]) => {
      const r = holdfast(dirs.repo, ['sast', ...args, '--catalog', catalog]);
      assert.equal(r.code, 0, `holdfast sast ${args.join(' ')}: ${r.err}`);
      return r.out;
    };
    const reports = { v1: join(node!.paths.state, 'v1.sarif'), v2: join(node!.paths.state, 'v2.sarif') };
    writeFileSync(reports.v1, sarif([]));
    writeFileSync(reports.v2, sarif([SQL_INJECTION]));
    sast(['ingest', reports.v1, '--repository', 'github.com/acme/shop', '--commit', '1111111', '--ref', 'main', '--image-digest', image.configDigest, '--image-digest', good.split('@')[1]!]);
    sast(['ingest', reports.v2, '--repository', 'github.com/acme/shop', '--commit', '2222222', '--ref', 'main', '--image-digest', badPinned.split('@')[1]!]);
    const verdict = (digest: string) => JSON.parse(sast(['verdict', digest, '--json'])) as Verdict;
    const v1 = verdict(good.split('@')[1]!);
    const v2 = verdict(badPinned.split('@')[1]!);
    assert.deepEqual([v1.verdict, v2.verdict], ['clean', 'vulnerable']);
    const f = v2.findings[0]!;
    k(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'holdfast.dev/v1alpha1',
      kind: 'Incident',
      metadata: { name: 'shop-cve', namespace: NS },
      spec: {
        pvc: 'data',
        vulnerable: { imageDigests: v2.version.imageDigests, finding: { id: f.id, ruleId: f.ruleId, severity: f.severity, message: `${f.message} (${f.path}:${f.startLine})` } },
        clean: { imageDigests: v1.version.imageDigests },
        certificatePolicies: ['shop'],
      },
    }));
    const incident = () => json<IncidentStatus>(['-n', NS, 'get', 'incident', 'shop-cve']).status ?? {};
    const failed = () => {
      const st = incident();
      if (st.phase === 'Failed') throw new Error(`Incident failed: ${JSON.stringify(st.conditions)} ${JSON.stringify(st.steps)}\n${jobLogs('holdfast.dev/incident')}`);
    };
    const plan = await waitFor('the Incident awaiting approval', 120_000, () => (incident().phase === 'AwaitingApproval' ? incident().plan : undefined), failed);
    assert.equal(plan?.restorePoint, `${NS}/${clean.metadata.name}`, `chose ${plan?.restorePoint} over ${exposed.metadata.name}: ${plan?.reasoning?.join('; ')}`);
    k(['-n', NS, 'patch', 'incident', 'shop-cve', '--type', 'merge', '-p', '{"spec":{"approved":true}}']);
    const st = await waitFor('the Incident Succeeded', 10 * 60_000, () => (incident().phase === 'Succeeded' ? incident() : undefined), failed);
    console.log(`incident Succeeded in ${seconds(t0)}: ${st.steps?.map((x) => x.name).join(', ')}`);

    // Restarted on the known-good version, pinned by the reference the kubelet reported, and running it.
    const template = json<Manifest>(['-n', NS, 'get', 'deployment', 'shop']).spec.template.spec.containers[0]!;
    assert.equal(template.image, good);
    await settled();
    const running = podImage();
    assert.equal(running.imageID, good);
    assert.ok(running.ready);
    // The volume is the clean restore point again, and the shop serves it.
    assert.deepEqual(shop('/items'), want.items);
    assert.deepEqual(differences(want.tree, tree(dirs.data)), []);
    // What 2.0 wrote is kept as evidence, in the same repository.
    assert.ok(st.evidence?.snapshotId && snapshotIds(dirs.repo).includes(st.evidence.snapshotId), `evidence ${JSON.stringify(st.evidence)}`);
    const report = k(['-n', NS, 'get', 'configmap', st.report!.configMap, '-o', 'jsonpath={.data.report\\.md}']);
    assert.match(report, /js\/sql-injection/);
  });

  it('rotates the CA, then the leaf key, rolling the shop while pods open a new TLS connection every 20 ms, re-reading their mounted bundle every 0, 5 and 60 s: none fails', async () => {
    const t0 = Date.now();
    const caId = () => k(['-n', 'holdfast-system', 'get', 'secret', 'holdfast-ca', '-o', 'jsonpath={.metadata.annotations.holdfast\\.dev/ca-id}']);
    const oldCa = caId();
    const bundle = () => k(['-n', NS, 'get', 'configmap', 'shop-ca', '-o', 'jsonpath={.data.ca\\.crt}']);
    const oldBundle = bundle();
    // The clients run in the cluster and read the trust bundle the kubelet mounts from the ConfigMap:
    // on every connection, every 5 s and every 60 s.
    const clients = [0, 5, 60].map((reloadS) => ({ reloadS, pod: `tls-client-${reloadS}` }));
    for (const c of clients)
      k(['apply', '-f', '-'], tlsClientPod(c.pod, image.ref, ['node', '--input-type=module', '-e', TLS_CLIENT, '', `shop.${NS}.svc`, '/ca/ca.crt', '/tmp/stop', String(c.reloadS * 1000)]));
    for (const c of clients) k(['-n', NS, 'wait', '--for=condition=Ready', `pod/${c.pod}`, '--timeout=120s']);
    await new Promise((r) => setTimeout(r, 2000));
    const value = String(Date.now());
    // The pods have read a new bundle 63–80 s after it was published here (loads of 10–30), and the
    // slowest client re-reads 60 s after that at worst: the default propagation delay (3m) must
    // outlast both, and this rotation runs on it, as a user's would.
    assert.equal(json<{ spec: { caRotation: { propagationDelay: string } } }>(['-n', NS, 'get', 'certificatepolicy', 'shop']).spec.caRotation.propagationDelay, '3m');
    k(['-n', NS, 'annotate', 'certificatepolicy', 'shop', `holdfast.dev/rotate-ca=${value}`, '--overwrite']);
    await waitFor('the CA rotation done', 10 * 60_000, () => {
      const st = json<{ status?: { handledRotateCa?: string } }>(['-n', NS, 'get', 'certificatepolicy', 'shop']).status;
      return st?.handledRotateCa === value ? true : undefined;
    });
    await settled();
    // The old root leaves the ConfigMap last: the clients go on until the kubelet has brought them the
    // bundle without it and the slowest has re-read it, so they meet that change too.
    await waitFor('the narrowed bundle in the client pods', 5 * 60_000, () =>
      clients.every((c) => k(['-n', NS, 'exec', c.pod, '--', 'cat', '/ca/ca.crt']).split('BEGIN CERTIFICATE').length - 1 === 1) ? true : undefined,
    );
    // Then a key rotation from the new CA (a renewal takes the same issue-and-roll path): the pods see a third leaf.
    await reissue(value);
    await new Promise((r) => setTimeout(r, 65_000));
    for (const c of clients) k(['-n', NS, 'exec', c.pod, '--', 'touch', '/tmp/stop']);
    for (const c of clients) {
      k(['-n', NS, 'wait', '--for=jsonpath={.status.phase}=Succeeded', `pod/${c.pod}`, '--timeout=60s']);
      const r = JSON.parse(k(['-n', NS, 'logs', c.pod])) as ClientResult;
      console.log(`CA rotated in ${seconds(t0)}; reload every ${c.reloadS} s: ${r.ok} handshakes, ${r.failed} failed; bundles read: ${r.bundles.join(', ')}`);
      assert.deepEqual(r.errors, [], `reload every ${c.reloadS} s`);
      assert.equal(r.failed, 0);
      assert.ok(r.ok > 100, `reload every ${c.reloadS} s: only ${r.ok} handshakes`);
      assert.equal(new Set(r.serials).size, 3, `reload every ${c.reloadS} s: serials seen (old CA, new CA, new key): ${r.serials.join(', ')}`);
      assert.match(r.bundles.at(-1)!, / 1 root\(s\)$/, `reload every ${c.reloadS} s: read the bundle without the old root`);
    }
    // The new CA issues, and the bundle holds it alone: the old one is retired.
    const newCa = caId();
    assert.notEqual(newCa, oldCa);
    const roots = bundle().split('-----BEGIN CERTIFICATE-----').length - 1;
    assert.equal(roots, 1, 'the retired CA left the trust bundle');
    assert.notEqual(bundle(), oldBundle);
    const served = (shop('/healthz') as { serial: string }).serial;
    const leaf = new X509Certificate(Buffer.from(k(['-n', NS, 'get', 'secret', 'shop-tls', '-o', 'jsonpath={.data.tls\\.crt}']), 'base64'));
    assert.equal(served, leaf.serialNumber.toLowerCase());
    assert.ok(leaf.checkIssued(new X509Certificate(bundle())), 'the served certificate is issued by the new CA');
    const events = json<{ items: { reason: string; message: string }[] }>(['-n', NS, 'get', 'events', '--field-selector', 'involvedObject.kind=CertificatePolicy']).items;
    const reasons = events.map((e) => e.reason);
    for (const step of ['CARotationStaged', 'CARotationActivated', 'CARotationRetired']) assert.ok(reasons.includes(step), `no ${step} Event: ${reasons.join(', ')}`);
    // Before the new CA issued, the operator read each client pod's mounted shop-ca (pods/exec cat) and found the new root in all three.
    assert.match(events.find((e) => e.reason === 'CARotationActivated')!.message, /\(mounted trust bundles: 3 copies confirmed to hold it, 0 could not be read\)/);
    // The retire step probed the shop's pod through its Service's EndpointSlice (spec.endpoints), from the operator's pod.
    const retired = events.find((e) => e.reason === 'CARotationRetired')!.message;
    console.log(retired);
    assert.match(retired, new RegExp(`none of shop\\.${NS}\\.svc:443 \\(\\d+\\.\\d+\\.\\d+\\.\\d+:8443\\) served a leaf from it$`));
  });
});
