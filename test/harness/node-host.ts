/**
 * What a real one-node cluster (test/harness/node.ts) may change on the machine outside its own
 * folders, recorded before bring-up and compared after teardown: global sysctls the kubelet and
 * kube-proxy set, mounts, links, network namespaces, iptables chains, cgroups and folders the kubelet
 * and containerd create outside their configured roots. The cluster runs in a network namespace of
 * its own, so most network state dies with it; this record is what proves that, and what teardown
 * restores from.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Set by the kubelet (setupKernelTunables: vm.*, kernel.*) and kube-proxy (conntrack, forwarding,
 * route_localnet); the bridge CNI plugin turns ip_forward on. The net.* ones are per network
 * namespace, so the host's values must not move at all.
 */
export const WATCHED_SYSCTLS = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
  'net/ipv4/ip_forward',
  'net/ipv4/conf/all/route_localnet',
  'net/netfilter/nf_conntrack_max',
  'net/netfilter/nf_conntrack_tcp_timeout_established',
  'net/netfilter/nf_conntrack_tcp_timeout_close_wait',
  'net/bridge/bridge-nf-call-iptables',
];

/** Folders the kubelet, containerd and its runc shim create whatever their configured roots say. */
export const OUTSIDE_DIRS = [
  '/var/lib/kubelet',
  '/var/log/pods',
  '/var/log/containers',
  '/usr/libexec/kubernetes',
  '/opt/containerd',
  '/run/containerd',
  '/var/lib/cni',
  '/etc/cni',
];

/** Cgroup folders the kubelet (cgroupfs driver) and containerd make in every hierarchy. */
export const CGROUP_DIRS = ['kubepods', 'kubepods.slice', 'k8s.io'];

export interface HostState {
  sysctls: Record<string, string>;
  /** Mount points under paths the cluster uses (see `mountsUnder`). */
  mounts: string[];
  links: string[];
  netns: string[];
  /** `table:chain` from iptables-save and ip6tables-save. */
  chains: string[];
  cgroups: string[];
  dirs: string[];
}

function readSysctl(name: string): string | undefined {
  try {
    return readFileSync(join('/proc/sys', name), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Mount points from /proc/self/mountinfo (field 5, with the kernel's octal escapes undone). */
export function mountPoints(mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .filter(Boolean)
    .map((l) => (l.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/** `table:chain` for every chain an iptables-save dump declares. */
export function chainsOf(dump: string, family: string): string[] {
  let table = '';
  const out: string[] = [];
  for (const line of dump.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    else if (line.startsWith(':')) out.push(`${family}/${table}:${line.slice(1).split(' ')[0]}`);
  }
  return out;
}

function cgroupRoots(): string[] {
  return mountPoints(readFileSync('/proc/self/mountinfo', 'utf8')).filter((m) => m.startsWith('/sys/fs/cgroup/'));
}

export function recordHost(prefixes: string[]): HostState {
  const sysctls: Record<string, string> = {};
  for (const s of WATCHED_SYSCTLS) {
    const v = readSysctl(s);
    if (v !== undefined) sysctls[s] = v;
  }
  const mounts = mountPoints(readFileSync('/proc/self/mountinfo', 'utf8')).filter((m) => prefixes.some((p) => m === p || m.startsWith(`${p}/`)));
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map((l) => (l.split(': ')[1] ?? '').split('@')[0]!);
  const netns = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  const chains: string[] = [];
  for (const tool of ['iptables-save', 'ip6tables-save']) {
    const r = spawnSync(tool, [], { encoding: 'utf8' });
    if (r.status === 0) chains.push(...chainsOf(r.stdout, tool.startsWith('ip6') ? 'ip6' : 'ip4'));
  }
  const cgroups = cgroupRoots().flatMap((root) => CGROUP_DIRS.map((d) => join(root, d)).filter((p) => existsSync(p)));
  const dirs = OUTSIDE_DIRS.filter((d) => existsSync(d));
  return { sysctls, mounts, links, netns, chains, cgroups, dirs };
}

/** One line per difference between two records, each naming what is left over; empty when clean. */
export function hostDiff(before: HostState, after: HostState): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(before.sysctls))
    if (after.sysctls[k] !== v) out.push(`sysctl ${k.replaceAll('/', '.')} is ${after.sysctls[k]}, was ${v}`);
  const added = (what: string, a: string[], b: string[]) => {
    const had = new Set(a);
    for (const x of b) if (!had.has(x)) out.push(`${what} ${x} left behind`);
  };
  added('mount', before.mounts, after.mounts);
  added('link', before.links, after.links);
  added('netns', before.netns, after.netns);
  added('iptables chain', before.chains, after.chains);
  added('cgroup', before.cgroups, after.cgroups);
  added('folder', before.dirs, after.dirs);
  return out;
}

/** Writes back every watched sysctl that moved since `before` (the kubelet sets them at start). */
export function restoreSysctls(before: HostState): void {
  for (const [k, v] of Object.entries(before.sysctls)) if (readSysctl(k) !== v) writeFileSync(join('/proc/sys', k), v);
}

/**
 * Removes the cgroup folders the cluster made and `before` did not have, deepest first (cgroupfs
 * only allows rmdir of an empty group; every process in them must already be gone).
 */
export function removeCgroups(before: HostState): string[] {
  const failed: string[] = [];
  const had = new Set(before.cgroups);
  const rm = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) rm(p);
    }
    const r = spawnSync('rmdir', [dir], { encoding: 'utf8' });
    if (r.status !== 0) failed.push(`${dir}: ${r.stderr.trim()}`);
  };
  for (const root of cgroupRoots())
    for (const d of CGROUP_DIRS) {
      const p = join(root, d);
      if (!had.has(p) && existsSync(p)) rm(p);
    }
  return failed;
}
