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

function readSysctl(name: string, root = '/proc/sys'): string | undefined {
  try {
    return readFileSync(join(root, name), 'utf8').trim();
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

/** The watched sysctls as read under `root` (/proc/sys, or a stand-in folder in a test). */
export function readSysctls(root = '/proc/sys'): Record<string, string> {
  const sysctls: Record<string, string> = {};
  for (const s of WATCHED_SYSCTLS) {
    const v = readSysctl(s, root);
    if (v !== undefined) sysctls[s] = v;
  }
  return sysctls;
}

export function recordHost(prefixes: string[]): HostState {
  const sysctls = readSysctls();
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

/** A process still running, as the teardown sees it. */
export interface ProcSeen {
  pid: number;
  cmdline: string;
  /** readlink /proc/PID/ns/net */
  netns: string;
  /** In a kubepods or k8s.io cgroup: a pod's container (one node per machine, by the lock). */
  inPodCgroup: boolean;
}

/** What a run saved about itself before it changed anything (node-teardown.ts RunRecord). */
export interface RunFacts {
  run: string;
  state: string;
  netns: string;
  /** `net:[inode]` of the run's namespace; empty until it was made. */
  nsLink: string;
  before: HostState;
}

export interface HostNow {
  host: HostState;
  procs: ProcSeen[];
  /** The test process's own `net:[inode]`: never a reason to kill. */
  ownNsLink: string;
}

export type Cleanup =
  | { kind: 'kill'; pid: number; cmdline: string }
  | { kind: 'netns'; name: string }
  | { kind: 'umount'; path: string }
  | { kind: 'sysctl'; name: string; value: string; was?: string }
  | { kind: 'cgroup'; path: string }
  | { kind: 'folder'; path: string };

const under = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);

/**
 * What to undo for one run, given its saved record and the host now, in the order it must be done:
 * processes first (they hold mounts, cgroups and namespaces), then namespaces (taking the pods'
 * links, chains and per-namespace sysctls with them), mounts deepest first, host sysctls, cgroups,
 * folders. Only what the record names or what appeared since it was taken is touched: a mount or
 * namespace that was there before belongs to someone else. The run's state folder is not in the
 * plan: the caller keeps it (logs) when something could not be cleaned.
 */
export function planCleanup(r: RunFacts, now: HostNow): Cleanup[] {
  const { before } = r;
  const out: Cleanup[] = [];
  const ourNs = r.nsLink !== '' && r.nsLink !== now.ownNsLink;
  // An empty folder name would be in every command line: a damaged record must not kill the machine.
  const names = (p: ProcSeen) => [r.run, r.state].some((f) => f !== '' && p.cmdline.includes(f));
  for (const p of now.procs) if (names(p) || (ourNs && p.netns === r.nsLink) || p.inPodCgroup) out.push({ kind: 'kill', pid: p.pid, cmdline: p.cmdline });
  // Ours, and the pods' (containerd names them cni-*) made since the record.
  for (const n of now.host.netns) if (!before.netns.includes(n) && (n === r.netns || n.startsWith('cni-'))) out.push({ kind: 'netns', name: n });
  // A namespace's mount goes with `ip netns delete`; one not planned above is not ours.
  const mounts = now.host.mounts.filter((m) => !before.mounts.includes(m) && !under(m, '/run/netns'));
  for (const m of mounts.sort((a, b) => b.length - a.length)) out.push({ kind: 'umount', path: m });
  for (const [name, value] of Object.entries(before.sysctls)) if (now.host.sysctls[name] !== value) out.push({ kind: 'sysctl', name, value, was: now.host.sysctls[name] });
  for (const c of now.host.cgroups) if (!before.cgroups.includes(c)) out.push({ kind: 'cgroup', path: c });
  for (const d of now.host.dirs) if (!before.dirs.includes(d)) out.push({ kind: 'folder', path: d });
  return out;
}

/** The log line for one step of a cleanup. */
export function describeCleanup(c: Cleanup): string {
  switch (c.kind) {
    case 'kill':
      return `killed pid ${c.pid}: ${c.cmdline}`;
    case 'netns':
      return `deleted netns ${c.name}`;
    case 'umount':
      return `unmounted ${c.path}`;
    case 'sysctl':
      return `set ${c.name.replaceAll('/', '.')} back to ${c.value} (was ${c.was ?? 'unreadable'})`;
    case 'cgroup':
      return `removed cgroup ${c.path}`;
    case 'folder':
      return `removed folder ${c.path}`;
  }
}

/** Writes one sysctl under `root` (/proc/sys, or a stand-in folder in a test). */
export function writeSysctl(name: string, value: string, root = '/proc/sys'): void {
  writeFileSync(join(root, name), value);
}

/** Removes a cgroup folder, deepest first (cgroupfs only allows rmdir of an empty group); returns the failures. */
export function removeCgroup(dir: string): string[] {
  const failed: string[] = [];
  const rm = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) rm(p);
    }
    const r = spawnSync('rmdir', [d], { encoding: 'utf8' });
    if (r.status !== 0) failed.push(`${d}: ${r.stderr.trim()}`);
  };
  rm(dir);
  return failed;
}
