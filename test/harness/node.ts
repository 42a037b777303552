/**
 * A real one-node Kubernetes cluster for the real-node suite (test/node): etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, containerd (runc, bridge CNI), kubelet and kube-proxy,
 * after the verified recipe in shared/K8S-NODE.md.
 *
 * Everything runs in a network namespace of its own (`nsenter --net`, so processes keep the host's
 * mount namespace and the kubelet's volume mounts are visible to containerd): the node address sits
 * on a port-less bridge in it and there is no route out. The test process reaches the cluster only
 * through `kubectl` run in that namespace (`node.kubectl`).
 *
 * `stop()` tears everything down and returns what it found left over compared with a record taken
 * before bring-up (see node-host.ts): an empty list means no process, mount, link, iptables chain,
 * netns, cgroup or outside folder remains and the kubelet's sysctls are back.
 *
 * Needs root (netns, mounts, cgroups) and what scripts/prepare/00-debian.sh and 30-kube.sh install
 * and build (npm test runs them). One cluster at a time per machine (the runc shim's /run/containerd
 * and the kubepods cgroups are global): node-lock.ts serialises bring-ups.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exited, KUBECTL, KUBE_APISERVER, KUBE_VERSION } from './kube.js';
import { containerdSock, containerdToml, cniConflist, kubeProxyYaml, kubeconfig, kubeletYaml, NODE_IP, NODE_NAME, PORTS, SERVICE_CIDR, type Paths } from './node-config.js';
import { OUTSIDE_DIRS, recordHost } from './node-host.js';
import { cleanHost, killAll, pidsMentioning, podPids, saveRecord, sweepStaleRuns, type RunRecord } from './node-teardown.js';
import { importImages, PAUSE_IMAGE } from './node-images.js';
import { lockNode } from './node-lock.js';

const bin = (name: string) => join(process.env.HOME ?? '/root', '.cache', 'holdfast', 'bin', `${name}-${KUBE_VERSION}`);
export const NODE_BINARIES = ['kubelet', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'].map(bin);

export interface RealNode {
  /** Admin kubeconfig; only usable from inside the namespace (see `kubectl`). */
  kubeconfigPath: string;
  netns: string;
  paths: Paths;
  /** kubectl as admin, run inside the cluster's network namespace. */
  kubectl(args: string[], input?: string): Ran;
  /** Any command run inside the cluster's network namespace (helm with `kubeconfigPath`, curl, ...). */
  inNetns(cmd: string, args: string[], input?: string): Ran;
  /** Seconds from start to a usable cluster (node Ready, default ServiceAccount present). */
  bringUpSeconds: number;
  restartKubelet(): Promise<void>;
  restartContainerd(): Promise<void>;
  /** Stops kube-apiserver, keeps it down for `downMs` (clients see connection refused), starts it and waits for /readyz. */
  restartApiServer(downMs: number): Promise<void>;
  /** Tears down; returns what is left over compared with the record taken before bring-up. */
  stop(): Promise<string[]>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function sh(cmd: string, args: string[], input?: string, timeout = 120_000): Ran {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
}

function must(cmd: string, args: string[]): string {
  const r = sh(cmd, args);
  if (r.status !== 0) throw new Error(`real node: ${cmd} ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

function preflight(): void {
  if (process.getuid?.() !== 0) throw new Error('real node: needs root (network namespace, mounts, cgroups)');
  for (const p of [KUBE_APISERVER, KUBECTL, ...NODE_BINARIES])
    if (!existsSync(p)) throw new Error(`real node: ${p} missing: run scripts/prepare/30-kube.sh`);
  for (const c of ['containerd', 'runc', 'ctr', 'etcd', 'nsenter', 'iptables', 'gcc'])
    if (sh('sh', ['-c', `command -v ${c}`]).status !== 0) throw new Error(`real node: ${c} missing: run scripts/prepare/00-debian.sh and 30-kube.sh`);
  if (!existsSync('/usr/lib/cni/bridge')) throw new Error('real node: CNI plugins missing: run scripts/prepare/00-debian.sh');
  if (!existsSync('/bin/busybox')) throw new Error('real node: /bin/busybox missing (busybox-static): run scripts/prepare/00-debian.sh');
}

function makePki(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const o = (args: string[]) => must('openssl', args.map((a) => (a.endsWith('.crt') || a.endsWith('.key') || a.endsWith('.csr') || a.endsWith('.pub') || a.endsWith('.ext') ? join(dir, a) : a)));
  o(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=holdfast-node-ca']);
  const sans = `IP:127.0.0.1,IP:${NODE_IP},IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local`;
  const cert = (name: string, subj: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    o(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj]);
    o(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
  };
  cert('apiserver', '/CN=kube-apiserver', `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\n`);
  // The apiserver's identity towards the kubelet (logs, exec).
  cert('kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client', 'extendedKeyUsage=clientAuth\n');
  // The kubelet's identity: the Node authorizer and NodeRestriction key on this name and group.
  cert('node', `/O=system:nodes/CN=system:node:${NODE_NAME}`, 'extendedKeyUsage=clientAuth\n');
  o(['genrsa', '-out', 'sa.key', '2048']);
  o(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

/** Processes of this cluster, killed synchronously if the test process dies first. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

async function until(what: string, ms: number, ok: () => boolean | Promise<boolean>, log?: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await sleep(300);
  }
  const tail = log && existsSync(log) ? `\n${readFileSync(log, 'utf8').split('\n').slice(-20).join('\n')}` : '';
  throw new Error(`real node: ${what} not within ${ms / 1000}s${tail}`);
}

export async function startRealNode(): Promise<RealNode> {
  preflight();
  const unlock = await lockNode();
  const t0 = Date.now();
  const stale = await sweepStaleRuns().catch((e: Error) => [e.message]);
  if (stale.length) {
    unlock();
    throw new Error(`real node: an earlier run left things it could not clean:\n${stale.join('\n')}`);
  }
  const id = randomBytes(3).toString('hex');
  const paths: Paths = { state: mkdtempSync('/var/tmp/holdfast-node-'), run: `/run/hf-node-${id}` };
  const netns = `hf-node-${id}`;
  const prefixes = [paths.state, paths.run, '/run/netns', ...OUTSIDE_DIRS];
  const record: RunRecord = { paths, netns, nsLink: '', prefixes, before: recordHost(prefixes) };
  const procs = new Map<string, { args: string[]; p?: ChildProcess }>();
  const log = (name: string) => join(paths.state, 'logs', `${name}.log`);
  const nsenter = ['nsenter', `--net=/run/netns/${netns}`, '--'];

  const start = (name: string) => {
    const entry = procs.get(name)!;
    const fd = openSync(log(name), 'a');
    const p = spawn(nsenter[0]!, [...nsenter.slice(1), ...entry.args], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    live.add(p);
    p.once('exit', () => live.delete(p));
    entry.p = p;
  };
  const define = (name: string, args: string[]) => {
    procs.set(name, { args });
    start(name);
  };
  // Long enough for `helm install --wait` and `kubectl wait` of a rollout.
  const inNetns = (cmd: string, args: string[], input?: string) => sh(nsenter[0]!, [...nsenter.slice(1), cmd, ...args], input, 10 * 60_000);
  const kubectl = (args: string[], input?: string) => inNetns(KUBECTL, ['--kubeconfig', join(paths.state, 'admin.kubeconfig'), ...args], input);
  const sock = containerdSock(paths);
  const containerdUp = () => inNetns('ctr', ['-a', sock, 'version']).status === 0;

  const stop = async (): Promise<string[]> => {
    // While the kubelet runs: it unmounts volumes and CNI removes pod namespaces as pods go.
    if (procs.get('kubelet')?.p?.exitCode === null && procs.get('kube-apiserver')?.p?.exitCode === null) {
      kubectl(['delete', 'jobs,pods', '--all', '--all-namespaces', '--wait=true', '--timeout=60s', '--grace-period=1']);
    }
    for (const name of ['kube-proxy', 'kubelet', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd']) await exited(procs.get(name)?.p);
    if (existsSync(sock)) {
      const ctr = (args: string[]) => inNetns('ctr', ['-a', sock, '-n', 'k8s.io', ...args]);
      for (const t of ctr(['tasks', 'ls', '-q']).stdout.split('\n').filter(Boolean)) ctr(['tasks', 'kill', '-s', 'SIGKILL', t]);
      await sleep(500);
      for (const t of ctr(['tasks', 'ls', '-q']).stdout.split('\n').filter(Boolean)) ctr(['tasks', 'delete', '-f', t]);
    }
    // The runc v2 shims outlive containerd; they name its socket on their command line.
    killAll(podPids());
    killAll(pidsMentioning(paths.run));
    await exited(procs.get('containerd')?.p);
    try {
      return await cleanHost(record);
    } finally {
      unlock();
    }
  };

  try {
    mkdirSync(join(paths.state, 'logs'), { recursive: true });
    mkdirSync(join(paths.state, 'cni'), { recursive: true });
    mkdirSync(paths.run, { recursive: true });
    saveRecord(record);
    // The namespace: loopback plus one bridge holding the node address, and no default route.
    must('ip', ['netns', 'add', netns]);
    const inNs = (args: string[]) => must('ip', ['-n', netns, ...args]);
    inNs(['link', 'set', 'lo', 'up']);
    inNs(['link', 'add', 'hfnode0', 'type', 'bridge']);
    inNs(['addr', 'add', `${NODE_IP}/24`, 'dev', 'hfnode0']);
    inNs(['link', 'set', 'hfnode0', 'up']);
    // A real node reaches Services through its default route; this one has none, so the Service
    // range gets a route of its own on the bridge, and kube-proxy's DNAT does the rest (clients
    // run on the node, such as curl through a Service, need it).
    inNs(['route', 'add', SERVICE_CIDR, 'dev', 'hfnode0']);

    const pki = join(paths.state, 'pki');
    makePki(pki);
    const token = randomBytes(24).toString('hex');
    writeFileSync(join(pki, 'tokens.csv'), `${token},admin,admin,system:masters\n`, { mode: 0o600 });
    const ca = join(pki, 'ca.crt');
    writeFileSync(join(paths.state, 'admin.kubeconfig'), kubeconfig(ca, { token }), { mode: 0o600 });
    writeFileSync(join(paths.state, 'node.kubeconfig'), kubeconfig(ca, { cert: join(pki, 'node.crt'), key: join(pki, 'node.key') }), { mode: 0o600 });
    writeFileSync(join(paths.state, 'containerd.toml'), containerdToml(paths, PAUSE_IMAGE));
    writeFileSync(join(paths.state, 'cni', '10-hf-pods.conflist'), cniConflist(paths));
    writeFileSync(join(paths.state, 'kubelet.yaml'), kubeletYaml(paths));
    writeFileSync(join(paths.state, 'kube-proxy.yaml'), kubeProxyYaml(paths));

    // How /proc/PID/ns/net names this namespace: finds stray processes at teardown.
    record.nsLink = `net:[${statSync(`/run/netns/${netns}`).ino}]`;
    if (record.nsLink === readlinkSync('/proc/self/ns/net')) throw new Error(`real node: netns ${netns} is the host's own namespace`);
    saveRecord(record);
    define('containerd', ['containerd', '--config', join(paths.state, 'containerd.toml')]);
    const etcdUrl = `http://127.0.0.1:${PORTS.etcd}`;
    const peerUrl = `http://127.0.0.1:${PORTS.etcdPeer}`;
    define('etcd', [
      'etcd', '--name', 'node', '--data-dir', join(paths.state, 'etcd'), '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `node=${peerUrl}`, '--log-level', 'error',
    ]);
    await until('containerd', 30_000, containerdUp, log('containerd'));
    importImages(join(paths.state, 'images'), sock);
    const p = (f: string) => join(pki, f);
    define('kube-apiserver', [
      KUBE_APISERVER, `--etcd-servers=${etcdUrl}`, `--secure-port=${PORTS.apiserver}`, `--bind-address=${NODE_IP}`, `--advertise-address=${NODE_IP}`,
      `--tls-cert-file=${p('apiserver.crt')}`, `--tls-private-key-file=${p('apiserver.key')}`, `--client-ca-file=${p('ca.crt')}`, `--token-auth-file=${p('tokens.csv')}`,
      '--service-account-issuer=https://kubernetes.default.svc', `--service-account-key-file=${p('sa.pub')}`, `--service-account-signing-key-file=${p('sa.key')}`,
      '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction', `--service-cluster-ip-range=${SERVICE_CIDR}`,
      `--kubelet-client-certificate=${p('kubelet-client.crt')}`, `--kubelet-client-key=${p('kubelet-client.key')}`,
      // Hostname first would resolve "hfnode" through the host's DNS for logs and exec.
      '--kubelet-preferred-address-types=InternalIP', '--profiling=false',
    ]);
    await until('kube-apiserver /readyz', 120_000, () => kubectl(['get', '--raw=/readyz']).status === 0, log('kube-apiserver'));
    const admin = join(paths.state, 'admin.kubeconfig');
    define('kube-controller-manager', [
      bin('kube-controller-manager'), `--kubeconfig=${admin}`, `--authentication-kubeconfig=${admin}`, `--authorization-kubeconfig=${admin}`,
      '--leader-elect=false', '--secure-port=0', `--service-account-private-key-file=${p('sa.key')}`, `--root-ca-file=${p('ca.crt')}`,
      '--use-service-account-credentials=true', '--controllers=*,-nodeipam', `--cluster-signing-cert-file=${p('ca.crt')}`, `--cluster-signing-key-file=${p('ca.key')}`,
    ]);
    define('kube-scheduler', [bin('kube-scheduler'), `--kubeconfig=${admin}`, `--authentication-kubeconfig=${admin}`, `--authorization-kubeconfig=${admin}`, '--leader-elect=false', '--secure-port=0']);
    define('kubelet', [
      bin('kubelet'), `--config=${join(paths.state, 'kubelet.yaml')}`, `--kubeconfig=${join(paths.state, 'node.kubeconfig')}`, `--hostname-override=${NODE_NAME}`,
      `--node-ip=${NODE_IP}`, `--root-dir=${join(paths.state, 'kubelet')}`, `--cert-dir=${join(paths.state, 'kubelet-pki')}`, '--v=1',
    ]);
    define('kube-proxy', [bin('kube-proxy'), `--config=${join(paths.state, 'kube-proxy.yaml')}`]);
    await until('node Ready', 120_000, () => kubectl(['get', 'node', NODE_NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']).stdout === 'True', log('kubelet'));
    await until('default ServiceAccount', 120_000, () => kubectl(['get', 'serviceaccount', 'default', '-n', 'default']).status === 0, log('kube-controller-manager'));

    const restart = async (name: string, ready: () => boolean, downMs = 0) => {
      await exited(procs.get(name)?.p);
      await sleep(downMs);
      start(name);
      await until(`${name} back`, 60_000, ready, log(name));
    };
    return {
      kubeconfigPath: admin,
      netns,
      paths,
      kubectl,
      inNetns,
      bringUpSeconds: (Date.now() - t0) / 1000,
      restartKubelet: () => restart('kubelet', () => inNetns('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${PORTS.kubeletHealthz}`]).status === 0),
      restartContainerd: () => restart('containerd', containerdUp),
      restartApiServer: (downMs) => restart('kube-apiserver', () => kubectl(['get', '--raw=/readyz']).status === 0, downMs),
      stop,
    };
  } catch (e) {
    const left = await stop();
    if (left.length) (e as Error).message += `\nteardown after the failed bring-up left: ${left.join('; ')}`;
    throw e;
  }
}
