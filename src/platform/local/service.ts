/**
 * A local workload: a long-running process Holdfast may start (its `start` command), stop (its
 * `stop` command, else SIGTERM to its process group, then SIGKILL) and reload (its `reload`
 * command, e.g. after a certificate renewal). One implementation for `holdfast serve` and for the
 * playbook's quiesce/restart, because both act on the same process: serve starts the shop, an
 * incident (from the CLI or from serve) stops and restarts it, and serve must go on managing it.
 *
 * So the state is on disk, not in memory: the child is detached (its own process group), not
 * referenced by the starting process (a short CLI run may exit or be killed -9 and resumed by
 * another), and its pid is kept in `<dataDir>/services/<name>.pid`, with the kernel's start time
 * of that pid so a pid reused by an unrelated process after a reboot is not mistaken for ours.
 * Whoever holds the file manages the service: `start` adopts a live one instead of starting a
 * second, `reload` signals the one in the file, `stop` stops it and removes the file.
 *
 * Output goes to `<dataDir>/services/<name>.log`, never to Holdfast's own log, since an
 * application may print secrets of its own. The version to run is passed to the start command as
 * HOLDFAST_DEPLOY_COMMIT and HOLDFAST_DEPLOY_IMAGE_DIGEST when one is given: on one machine the
 * start command decides what "run version X" means.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict } from '../../base/errors.js';
import type { Clock } from '../clock.js';
import { describeResult, runCommand, type ExecResult } from './exec.js';
import { alive, procStat, sameProcess } from './process.js';

export interface ServiceSpec {
  name: string;
  start?: string | undefined;
  stop?: string | undefined;
  reload?: string | undefined;
  cwd: string;
  env?: NodeJS.ProcessEnv | undefined;
  /** Holdfast's data directory (server.dataDir): the pid and log files live under services/. */
  dataDir: string;
}

export interface ServiceVersion {
  commit?: string | undefined;
  imageDigest?: string | undefined;
}

/** How a process this one started ended: its exit code, or the signal that ended it. */
export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartedService {
  pid: number;
  adopted: boolean;
  logFile: string;
  /** Resolves when the process ends; only for one started here (an adopted one's end is seen, not heard). */
  exited?: Promise<ServiceExit> | undefined;
}

export const pidFileOf = (dataDir: string, name: string) => join(dataDir, 'services', `${name}.pid`);
/** The version the running process was started with (absent: started without one), so a restart after a crash runs the same. */
export const versionFileOf = (dataDir: string, name: string) => join(dataDir, 'services', `${name}.version.json`);
export const logFileOf = (dataDir: string, name: string) => join(dataDir, 'services', `${name}.log`);

export { alive } from './process.js';

/** The pid in a pid file when that process still runs (and, where /proc tells, is the one that was started). */
export async function runningPidIn(pidFile: string): Promise<number | undefined> {
  const [pidText, start] = (await readFile(pidFile, 'utf8').catch(() => '')).trim().split(/\s+/);
  const pid = Number(pidText);
  return sameProcess(pid, start) ? pid : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class LocalService {
  readonly pidFile: string;
  readonly logFile: string;
  readonly versionFile: string;
  constructor(
    readonly spec: ServiceSpec,
    private readonly clock: Clock,
  ) {
    this.pidFile = pidFileOf(spec.dataDir, spec.name);
    this.logFile = logFileOf(spec.dataDir, spec.name);
    this.versionFile = versionFileOf(spec.dataDir, spec.name);
  }

  /**
   * The version the process in the pid file was started with, if any. An incident starts the
   * known-good version; a supervisor restarting it after a crash must not bring back the default
   * (possibly the vulnerable one).
   */
  async startedVersion(): Promise<ServiceVersion | undefined> {
    const text = await readFile(this.versionFile, 'utf8').catch(() => '');
    if (!text) return undefined;
    try {
      const v = JSON.parse(text) as ServiceVersion;
      return { commit: v.commit, imageDigest: v.imageDigest };
    } catch {
      return undefined;
    }
  }

  /** The pid of the running service, from its pid file; undefined when it is not running. */
  pid(): Promise<number | undefined> {
    return runningPidIn(this.pidFile);
  }

  /**
   * Starts the service unless the process in its pid file still runs, which is adopted instead.
   * Undefined for a service without a start command: it is external, Holdfast only reloads it.
   */
  async start(version?: ServiceVersion): Promise<StartedService | undefined> {
    const existing = await this.pid();
    if (existing) return { pid: existing, adopted: true, logFile: this.logFile };
    if (!this.spec.start) return undefined;
    mkdirSync(join(this.spec.dataDir, 'services'), { recursive: true, mode: 0o700 });
    const fd = openSync(this.logFile, 'a');
    let pid: number | undefined;
    let exited: Promise<ServiceExit> | undefined;
    try {
      const deploy = version ? { HOLDFAST_DEPLOY_COMMIT: version.commit ?? '', HOLDFAST_DEPLOY_IMAGE_DIGEST: version.imageDigest ?? '' } : {};
      const child = spawn('/bin/sh', ['-c', `exec ${this.spec.start}`], {
        cwd: this.spec.cwd,
        env: { ...(this.spec.env ?? process.env), ...deploy },
        detached: true,
        stdio: ['ignore', fd, fd],
      });
      child.once('error', () => undefined);
      // Only the starting process can learn how its child ended; a supervisor in it listens here.
      exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      child.unref();
      pid = child.pid;
    } finally {
      closeSync(fd);
    }
    if (!pid) throw conflict('SERVICE_START_FAILED', `start workload ${this.spec.name}: the start command could not be run (see ${this.logFile})`);
    if (version) {
      await writeFile(`${this.versionFile}.tmp`, JSON.stringify(version) + '\n', { mode: 0o600 });
      await rename(`${this.versionFile}.tmp`, this.versionFile);
    } else await rm(this.versionFile, { force: true });
    await writeFile(`${this.pidFile}.tmp`, `${pid} ${procStat(pid)?.start ?? ''}\n`, { mode: 0o600 });
    await rename(`${this.pidFile}.tmp`, this.pidFile);
    return { pid, adopted: false, logFile: this.logFile, exited };
  }

  /**
   * Stops the service: its stop command when it has one, then SIGTERM to the process group in the
   * pid file if that still runs, SIGKILL after `graceMs`. Stopping a stopped service is a no-op
   * (an incident's resume may repeat it). A failed stop command is an error only when nothing in
   * the pid file can be signalled instead.
   */
  async stop(graceMs = 10_000): Promise<{ stopped: boolean; how: string }> {
    let how = '';
    if (this.spec.stop) {
      const r = await runCommand(this.spec.stop, { cwd: this.spec.cwd, env: this.spec.env, timeoutMs: graceMs, clock: this.clock });
      how = r.exitCode === 0 ? 'stop command' : `stop command failed (${describeResult(r)})`;
      if (r.exitCode !== 0 && !(await this.pid())) throw conflict('SERVICE_STOP_FAILED', `stop workload ${this.spec.name}: ${describeResult(r)}`);
    }
    const pid = await this.pid();
    if (!pid) {
      await rm(this.pidFile, { force: true });
      return { stopped: Boolean(this.spec.stop), how: how || 'not running' };
    }
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch {
        try {
          process.kill(pid, sig);
        } catch {
          // already gone
        }
      }
    };
    kill('SIGTERM');
    for (let waited = 0; alive(pid) && waited < graceMs; waited += 25) await sleep(25);
    const killed = alive(pid);
    if (killed) kill('SIGKILL');
    for (let waited = 0; alive(pid); waited += 10) {
      if (waited > 10_000) throw conflict('SERVICE_STOP_FAILED', `stop workload ${this.spec.name}: process ${pid} survived SIGKILL`);
      await sleep(10);
    }
    await rm(this.pidFile, { force: true });
    return { stopped: true, how: `${how ? `${how}, then ` : ''}SIGTERM to process group ${pid}${killed ? `, SIGKILL after ${graceMs} ms` : ''}` };
  }

  /** Runs the reload command for the running service; a service without one is told nothing (it may watch its files). */
  async reload(timeoutMs = 30_000): Promise<ExecResult | undefined> {
    if (!this.spec.reload) return undefined;
    const pid = await this.pid();
    // A service Holdfast starts but that is not running now picks the new files up when it starts.
    if (this.spec.start && !pid) return undefined;
    return runCommand(this.spec.reload, {
      cwd: this.spec.cwd,
      env: { ...(this.spec.env ?? process.env), HOLDFAST_SERVICE_PID: String(pid ?? '') },
      timeoutMs,
      clock: this.clock,
    });
  }
}
