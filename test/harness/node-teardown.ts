/**
 * Tearing down the real one-node cluster's traces on the host (test/harness/node.ts), and finding
 * what is left: processes (by the run's folders on their command line, by network namespace, by
 * kubepods cgroup), network namespaces, mounts, sysctls, cgroups, folders outside the roots.
 *
 * Each run saves its record (node-host.ts) in its run folder, so a run whose test process was killed
 * before its teardown is swept by the next bring-up with the record taken before *it* started.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Paths } from './node-config.js';
import { hostDiff, mountPoints, OUTSIDE_DIRS, recordHost, removeCgroups, restoreSysctls, type HostState } from './node-host.js';

export interface RunRecord {
  paths: Paths;
  netns: string;
  /** How /proc/PID/ns/net names the run's namespace (`net:[inode]`). */
  nsLink: string;
  prefixes: string[];
  before: HostState;
}

const RUN_PREFIX = '/run/hf-node-';
const recordFile = (run: string) => join(run, 'record.json');

export function saveRecord(r: RunRecord): void {
  writeFileSync(recordFile(r.paths.run), JSON.stringify(r));
}

/** PIDs whose command line names `needle` (the shims and anything else started for this run). */
export function pidsMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(needle)) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** PIDs in the network namespace `nsLink` (as readlink /proc/PID/ns/net prints it). */
function pidsInNetns(nsLink: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readlinkSync(`/proc/${e}/ns/net`) === nsLink) out.push(Number(e));
    } catch {
      /* gone or kernel thread */
    }
  }
  return out;
}

/** Every process in the kubepods cgroups (the pods' containers) of every hierarchy. */
export function podPids(): number[] {
  const out = new Set<number>();
  const walk = (dir: string) => {
    try {
      for (const l of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (l) out.add(Number(l));
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
    } catch {
      /* gone */
    }
  };
  for (const m of mountPoints(readFileSync('/proc/self/mountinfo', 'utf8')))
    if (m.startsWith('/sys/fs/cgroup/')) for (const d of ['kubepods', 'k8s.io']) if (existsSync(join(m, d))) walk(join(m, d));
  return [...out];
}

export function killAll(pids: number[]): void {
  for (const pid of pids)
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '(gone)';
  }
}

/** Everything the run started, still running. */
function runPids(r: RunRecord): number[] {
  const own = readlinkSync('/proc/self/ns/net');
  const inNs = r.nsLink && r.nsLink !== own ? pidsInNetns(r.nsLink) : [];
  return [...new Set([...pidsMentioning(r.paths.run), ...pidsMentioning(r.paths.state), ...inNs, ...podPids()])];
}

/**
 * After the cluster's processes were stopped (or not, for a stale run): kills what remains, deletes
 * the network namespaces, unmounts, writes back sysctls, removes cgroups and outside folders.
 * Returns one line per thing still left, compared with the record; empty when the host is clean.
 */
export async function cleanHost(r: RunRecord): Promise<string[]> {
  const { paths, netns, before, prefixes } = r;
  for (let i = 0; i < 3 && runPids(r).length; i++) {
    killAll(runPids(r));
    await new Promise((res) => setTimeout(res, 300));
  }
  // Ours and the pods' (containerd names them cni-*); deleting ours takes the bridges, veths and
  // every iptables rule and per-namespace sysctl the kubelet, kube-proxy and CNI set with it.
  for (const n of existsSync('/run/netns') ? readdirSync('/run/netns') : [])
    if (!before.netns.includes(n) && (n === netns || n.startsWith('cni-'))) spawnSync('ip', ['netns', 'delete', n]);
  // Deepest first: the kubelet bind-mounts its root onto itself and mounts volumes beneath.
  const mine = (m: string) => prefixes.some((p) => m === p || m.startsWith(`${p}/`)) && !before.mounts.includes(m);
  const mounts = mountPoints(readFileSync('/proc/self/mountinfo', 'utf8')).filter(mine).sort((a, b) => b.length - a.length);
  for (const m of mounts) if (spawnSync('umount', [m]).status !== 0) spawnSync('umount', ['-l', m]);
  restoreSysctls(before);
  const problems = removeCgroups(before).map((f) => `cgroup not removable: ${f}`);
  for (const d of OUTSIDE_DIRS) if (!before.dirs.includes(d)) rmSync(d, { recursive: true, force: true });
  rmSync(paths.run, { recursive: true, force: true });
  problems.push(...runPids(r).map((p) => `process ${p} left running: ${cmdline(p)}`));
  problems.push(...hostDiff(before, recordHost(prefixes)));
  if (problems.length === 0) rmSync(paths.state, { recursive: true, force: true });
  else problems.push(`(state and logs kept in ${paths.state})`);
  return problems;
}

/**
 * Cleans up after earlier runs that never reached their teardown (test process killed); returns
 * what could not be cleaned, naming the run.
 */
export async function sweepStaleRuns(): Promise<string[]> {
  const out: string[] = [];
  for (const e of readdirSync('/run')) {
    const run = join('/run', e);
    if (!run.startsWith(RUN_PREFIX) || !existsSync(recordFile(run))) continue;
    const r = JSON.parse(readFileSync(recordFile(run), 'utf8')) as RunRecord;
    out.push(...(await cleanHost(r)).map((p) => `earlier run ${run}: ${p}`));
  }
  return out;
}
