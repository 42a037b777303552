/**
 * Tearing down the real one-node cluster's traces on the host (test/harness/node.ts), and finding
 * what is left: processes (by the run's folders on their command line, by network namespace, by
 * kubepods cgroup), network namespaces, mounts, sysctls, cgroups, folders outside the roots.
 *
 * Each run saves its record (node-host.ts) in its run folder before it changes the host, so a run whose test process was killed
 * before its teardown is swept by the next bring-up with the record taken before *it* started.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Paths } from './node-config.js';
import { describeCleanup, hostDiff, mountPoints, planCleanup, recordHost, removeCgroup, writeSysctl, type Cleanup, type HostNow, type HostState, type ProcSeen, type RunFacts } from './node-host.js';

export interface RunRecord {
  paths: Paths;
  netns: string;
  /** How /proc/PID/ns/net names the run's namespace (`net:[inode]`). */
  nsLink: string;
  prefixes: string[];
  before: HostState;
}

const RUN_DIR = 'hf-node-';
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

function netnsOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return '';
  }
}

/** Every other process, with what the cleanup plan decides on. */
function procsNow(): ProcSeen[] {
  const pods = new Set(podPids());
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
    .map((e) => Number(e))
    .map((pid) => ({ pid, cmdline: cmdline(pid), netns: netnsOf(pid), inPodCgroup: pods.has(pid) }))
    .filter((p) => p.cmdline !== '(gone)' || p.inPodCgroup);
}

/** Where the teardown reads and writes the host; a test swaps in stand-ins (no real node needed). */
export interface HostIo {
  observe(prefixes: string[]): HostNow;
  sysctlRoot: string;
  /** Where runs keep their folders (/run/hf-node-*). */
  runRoot: string;
}

export const realHost: HostIo = {
  observe: (prefixes) => ({ host: recordHost(prefixes), procs: procsNow(), ownNsLink: readlinkSync('/proc/self/ns/net') }),
  sysctlRoot: '/proc/sys',
  runRoot: '/run',
};

const facts = (r: RunRecord): RunFacts => ({ run: r.paths.run, state: r.paths.state, netns: r.netns, nsLink: r.nsLink, before: r.before });

/** Does one step; returns why it failed, if it did. */
function apply(c: Cleanup, io: HostIo): string | undefined {
  try {
    if (c.kind === 'kill') process.kill(c.pid, 'SIGKILL');
    else if (c.kind === 'netns') spawnSync('ip', ['netns', 'delete', c.name]);
    else if (c.kind === 'umount') {
      if (spawnSync('umount', [c.path]).status !== 0) spawnSync('umount', ['-l', c.path]);
    } else if (c.kind === 'sysctl') writeSysctl(c.name, c.value, io.sysctlRoot);
    else if (c.kind === 'cgroup') return removeCgroup(c.path).join('; ') || undefined;
    else rmSync(c.path, { recursive: true, force: true });
  } catch (e) {
    // A process that exited meanwhile is what a kill wanted.
    if (c.kind !== 'kill') return (e as Error).message;
  }
  return undefined;
}

/**
 * After the cluster's processes were stopped (or not, for a killed run): kills what remains, deletes
 * the network namespaces, unmounts, writes back sysctls, removes cgroups, outside folders and the run
 * folder, each step as planCleanup (node-host.ts) decides from the record, logged through `log`.
 * Returns one line per thing still left; empty when the host is clean.
 */
export async function cleanHost(r: RunRecord, log: (line: string) => void = () => {}, io: HostIo = realHost): Promise<string[]> {
  const plan = () => planCleanup(facts(r), io.observe(r.prefixes));
  const problems: string[] = [];
  const run = (c: Cleanup) => {
    const failed = apply(c, io);
    if (failed) problems.push(`${describeCleanup(c)} failed: ${failed}`);
    else log(describeCleanup(c));
  };
  // Processes first, again until none is left: a kubelet or shim may start one while dying.
  for (let i = 0; i < 3; i++) {
    const kills = plan().filter((c) => c.kind === 'kill');
    if (kills.length === 0) break;
    kills.forEach(run);
    await new Promise((res) => setTimeout(res, 300));
  }
  for (const c of plan()) if (c.kind !== 'kill') run(c);
  if (existsSync(r.paths.run)) run({ kind: 'folder', path: r.paths.run });
  const after = io.observe(r.prefixes);
  for (const c of planCleanup(facts(r), after)) if (c.kind === 'kill') problems.push(`process ${c.pid} left running: ${c.cmdline}`);
  problems.push(...hostDiff(r.before, after.host));
  if (problems.length === 0) {
    if (existsSync(r.paths.state)) run({ kind: 'folder', path: r.paths.state });
  } else problems.push(`(state and logs kept in ${r.paths.state})`);
  return problems;
}

/**
 * Cleans up after earlier runs that never reached their teardown (test process killed): the caller
 * holds the node lock, so every run folder with a record belongs to a dead run. Logs one line per
 * thing cleaned; returns what could not be, naming the run.
 */
export async function sweepStaleRuns(log: (line: string) => void = (l) => console.error(l), io: HostIo = realHost): Promise<string[]> {
  const out: string[] = [];
  for (const e of readdirSync(io.runRoot)) {
    const run = join(io.runRoot, e);
    if (!e.startsWith(RUN_DIR) || !existsSync(recordFile(run))) continue;
    const r = JSON.parse(readFileSync(recordFile(run), 'utf8')) as RunRecord;
    out.push(...(await cleanHost(r, (l) => log(`real node: earlier run ${run}: ${l}`), io)).map((p) => `earlier run ${run}: ${p}`));
  }
  return out;
}
