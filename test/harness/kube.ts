/**
 * A real Kubernetes control plane for tests: etcd + kube-apiserver on 127.0.0.1 (random free ports),
 * certificates from openssl, token auth (an admin in system:masters and an unprivileged user for RBAC
 * tests), Holdfast's and the CSI snapshot CRDs installed. No kubelet, scheduler or controller-manager:
 * tests play the kubelet's, the Job controller's and the CSI snapshotter's part by writing status
 * subresources through the real API.
 *
 * One control plane per test file (it takes ~10 s to start): `const kube = await startKube()` in
 * `before`, `await kube.stop()` in `after`. With HOLDFAST_KUBECONFIG set, the suite uses that cluster
 * instead and starts nothing (see docs/kubernetes.md).
 *
 * Binaries come from scripts/prepare/30-kube.sh (~/.cache/holdfast/bin) and Debian's etcd-server.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
// Not re-exported by the package index; the file is public (no exports map).
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import { parseAllDocuments } from 'yaml';

export const KUBE_VERSION = 'v1.34.3';
const bin = join(homedir(), '.cache', 'holdfast', 'bin');
export const KUBE_APISERVER = join(bin, `kube-apiserver-${KUBE_VERSION}`);
export const KUBECTL = join(bin, `kubectl-${KUBE_VERSION}`);
export const HELM_VERSION = 'v3.19.5';
/** helm, for rendering deploy/helm/holdfast in the manifests test. */
export const HELM = join(bin, `helm-${HELM_VERSION}`);
const repoRoot = new URL('../..', import.meta.url).pathname;

export interface Kube {
  /** Admin kubeconfig (system:masters). */
  kubeconfigPath: string;
  kc: k8s.KubeConfig;
  /** A kubeconfig for the unprivileged user `holdfast-test-user` (no RBAC grants): for RBAC tests. */
  userKubeconfig(): k8s.KubeConfig;
  userName: string;
  /** False against an external cluster (HOLDFAST_KUBECONFIG): the API server cannot be restarted there. */
  local: boolean;
  /** Stops and starts kube-apiserver on the same port and etcd data (local only). */
  restartApiServer(opts?: { downMs?: number }): Promise<void>;
  stopApiServer(): Promise<void>;
  startApiServer(): Promise<void>;
  /** A fresh namespace with a unique name, removed on stop. */
  namespace(prefix: string): Promise<string>;
  kubectl(args: string[], input?: string): { status: number | null; stdout: string; stderr: string };
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

function makePki(dir: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=holdfast-test-ca']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n');
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver']);
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext']);
  openssl(dir, ['genrsa', '-out', 'sa.key', '2048']);
  openssl(dir, ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

function kubeconfigYaml(server: string, caPem: string, user: string, token: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{name: harness, cluster: {server: "${server}", certificate-authority-data: "${ca}"}}]`,
    `users: [{name: ${user}, user: {token: "${token}"}}]`,
    `contexts: [{name: harness, context: {cluster: harness, user: ${user}}}]`,
    'current-context: harness',
    '',
  ].join('\n');
}

function waitReady(port: number, ca: string, token: string, deadlineMs: number): Promise<void> {
  const once = () =>
    new Promise<boolean>((resolve) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/readyz', ca, headers: { authorization: `Bearer ${token}` }, timeout: 2000 },
        (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        },
      );
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
  return (async () => {
    const until = Date.now() + deadlineMs;
    while (Date.now() < until) {
      if (await once()) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`kube-apiserver on 127.0.0.1:${port} not ready within ${deadlineMs / 1000}s`);
  })();
}

export function exited(p: ChildProcess | undefined, graceMs = 5000): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

/** Every process any harness started, killed synchronously if the test process dies first. */
const live = new Set<ChildProcess>();
const dirs = new Set<string>();
const killAll = () => {
  for (const p of live) p.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
};
process.once('exit', killAll);
// A test runner killed by a timeout sends SIGTERM/SIGINT, which skips 'exit': clean up there too.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
  process.once(sig, () => {
    killAll();
    process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGHUP' ? 1 : 15));
  });

function track(p: ChildProcess): ChildProcess {
  live.add(p);
  p.once('exit', () => live.delete(p));
  return p;
}

/**
 * Applies every CRD in deploy/crds (and external/) and waits until each is Established.
 * Holdfast's CRDs replace older versions; the CSI snapshot CRDs are only created when missing, so a
 * real cluster's upstream ones (a superset, with more versions) are never overwritten.
 */
export async function installCrds(kc: k8s.KubeConfig): Promise<void> {
  const api = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const dirs = [join(repoRoot, 'deploy', 'crds'), join(repoRoot, 'deploy', 'crds', 'external')];
  const names: string[] = [];
  for (const dir of dirs)
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
        // deploy/crds also holds the operator's Namespace (it must outlive deploy/operator).
        if (doc.get('kind') !== 'CustomResourceDefinition') continue;
        // Through the model types: client-node serializes `enum`/`default` from `_enum`/`_default`
        // and would silently drop the plain JSON keys.
        const body = ObjectSerializer.deserialize(doc.toJS(), 'V1CustomResourceDefinition') as k8s.V1CustomResourceDefinition;
        names.push(body.metadata!.name!);
        try {
          await api.createCustomResourceDefinition({ body });
        } catch (e) {
          if ((e as { code?: number }).code !== 409) throw e;
          if (dir.endsWith('external')) continue;
          const old = await api.readCustomResourceDefinition({ name: body.metadata!.name! });
          body.metadata!.resourceVersion = old.metadata!.resourceVersion;
          await api.replaceCustomResourceDefinition({ name: body.metadata!.name!, body });
        }
      }
    }
  const until = Date.now() + 30_000;
  for (const name of names) {
    for (;;) {
      const crd = await api.readCustomResourceDefinition({ name });
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > until) throw new Error(`CRD ${name} not Established within 30s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The kubeconfig at `path`, acting as `user` (the admin credentials must be allowed to impersonate). */
export function impersonating(path: string, user: string): k8s.KubeConfig {
  const u = new k8s.KubeConfig();
  u.loadFromFile(path);
  const current = u.getCurrentUser();
  if (!current) throw new Error(`${path}: no current user to impersonate with`);
  // client-node reads `impersonateUser` (the Impersonate-User header); any other key silently runs as admin.
  u.users = u.users.map((x) => (x.name === current.name ? { ...x, impersonateUser: user } : x));
  return u;
}

export async function startKube(): Promise<Kube> {
  const external = process.env.HOLDFAST_KUBECONFIG;
  return external ? externalKube(external) : localKube();
}

function kubectlRunner(kubeconfigPath: string) {
  return (args: string[], input?: string) => {
    if (!existsSync(KUBECTL)) throw new Error(`${KUBECTL} missing: run scripts/prepare/30-kube.sh`);
    const r = spawnSync(KUBECTL, ['--kubeconfig', kubeconfigPath, ...args], { input, encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
}

function namespaces(kc: k8s.KubeConfig) {
  const made: string[] = [];
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return {
    made,
    async create(prefix: string) {
      const name = `${prefix}-${randomBytes(3).toString('hex')}`;
      await core.createNamespace({ body: { metadata: { name, labels: { 'holdfast.dev/test': 'true' } } } });
      made.push(name);
      return name;
    },
    async removeAll() {
      for (const name of made) await core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}

async function externalKube(path: string): Promise<Kube> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(path);
  await installCrds(kc);
  const ns = namespaces(kc);
  const notLocal = async () => {
    throw new Error('HOLDFAST_KUBECONFIG cluster: the harness cannot stop or restart its API server');
  };
  return {
    kubeconfigPath: path,
    kc,
    local: false,
    userName: process.env.HOLDFAST_TEST_USER ?? 'holdfast-test-user',
    // Impersonation gives the RBAC tests an unprivileged identity on any cluster.
    userKubeconfig: () => impersonating(path, process.env.HOLDFAST_TEST_USER ?? 'holdfast-test-user'),
    restartApiServer: notLocal,
    stopApiServer: notLocal,
    startApiServer: notLocal,
    namespace: (p) => ns.create(p),
    kubectl: kubectlRunner(path),
    stop: () => ns.removeAll(),
  };
}

async function localKube(): Promise<Kube> {
  for (const [what, p] of [['kube-apiserver', KUBE_APISERVER]] as const)
    if (!existsSync(p)) throw new Error(`${what} not built at ${p}: run scripts/prepare/30-kube.sh (npm test does)`);
  if (spawnSync('etcd', ['--version']).status !== 0) throw new Error('etcd not found: apt-get install etcd-server (scripts/prepare/30-kube.sh)');

  // tmpfs when there is one: etcd fsyncs a lot and the machine's disk is shared.
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'holdfast-kube-'));
  dirs.add(dir);
  let etcd: ChildProcess | undefined;
  let apiserver: ChildProcess | undefined;
  const cleanup = async () => {
    await exited(apiserver);
    await exited(etcd);
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };
  try {
    makePki(dir);
    const adminToken = randomBytes(24).toString('hex');
    const userToken = randomBytes(24).toString('hex');
    const userName = 'holdfast-test-user';
    writeFileSync(join(dir, 'tokens.csv'), `${adminToken},admin,admin-uid,"system:masters"\n${userToken},${userName},user-uid,"holdfast-testers"\n`, { mode: 0o600 });
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const log = (name: string) => openSync(join(dir, name), 'a');

    const etcdLog = log('etcd.log');
    etcd = track(
      spawn('etcd', [
        '--name', 'harness', '--data-dir', join(dir, 'etcd'),
        '--listen-client-urls', `http://127.0.0.1:${etcdPort}`, '--advertise-client-urls', `http://127.0.0.1:${etcdPort}`,
        '--listen-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
        '--initial-cluster', `harness=http://127.0.0.1:${peerPort}`, '--log-level', 'error',
      ], { stdio: ['ignore', etcdLog, etcdLog] }),
    );
    closeSync(etcdLog);

    const apiArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`, `--secure-port=${apiPort}`, '--bind-address=127.0.0.1',
      `--tls-cert-file=${join(dir, 'server.crt')}`, `--tls-private-key-file=${join(dir, 'server.key')}`,
      `--client-ca-file=${join(dir, 'ca.crt')}`, `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${join(dir, 'sa.pub')}`, `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--authorization-mode=RBAC', '--service-cluster-ip-range=10.96.0.0/16',
      '--disable-admission-plugins=ServiceAccount', '--profiling=false', '--v=0',
    ];
    const startApi = async () => {
      const fd = log('kube-apiserver.log');
      apiserver = track(spawn(KUBE_APISERVER, apiArgs, { stdio: ['ignore', fd, fd] }));
      closeSync(fd);
      const died = new Promise<never>((_, reject) =>
        apiserver!.once('exit', (code) => reject(new Error(`kube-apiserver exited (${code}): ${tail(join(dir, 'kube-apiserver.log'))}`))),
      );
      died.catch(() => undefined);
      await Promise.race([waitReady(apiPort, readFileSync(join(dir, 'ca.crt'), 'utf8'), adminToken, 90_000), died]);
    };
    await startApi();

    const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfigPath = join(dir, 'kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfigYaml(server, ca, 'admin', adminToken), { mode: 0o600 });
    writeFileSync(join(dir, 'kubeconfig-user'), kubeconfigYaml(server, ca, userName, userToken), { mode: 0o600 });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    await installCrds(kc);
    // Namespaces are not deleted locally: there is no namespace controller, and etcd goes away anyway.
    const ns = namespaces(kc);

    const stopApiServer = async () => {
      await exited(apiserver);
    };
    return {
      kubeconfigPath,
      kc,
      local: true,
      userName,
      userKubeconfig() {
        const u = new k8s.KubeConfig();
        u.loadFromFile(join(dir, 'kubeconfig-user'));
        return u;
      },
      stopApiServer,
      startApiServer: startApi,
      async restartApiServer(opts = {}) {
        await stopApiServer();
        if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
        await startApi();
      },
      namespace: (p) => ns.create(p),
      kubectl: kubectlRunner(kubeconfigPath),
      stop: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}
