/**
 * Starting and stopping a local workload for a playbook. Unlike platform/local's LocalService,
 * whose child lives and dies with `holdfast serve`, a playbook run is a short CLI process that may
 * be killed (kill -9) and resumed by another: the service it starts must outlive it. So the child
 * is detached and unreferenced, and its pid is kept in a file (<dataDir>/services/<name>.pid) that
 * the next process — a resume, an abort, a test's cleanup — stops it by.
 *
 * The version to run is passed to the start command as HOLDFAST_DEPLOY_COMMIT and
 * HOLDFAST_DEPLOY_IMAGE_DIGEST: on one machine the start command decides what "run version X" means.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { conflict } from '../base/errors.js';
import type { Clock } from '../platform/clock.js';
import { describeResult, runCommand } from '../platform/local/exec.js';
import type { WorkloadFacts } from './facts.js';

export const pidFileOf = (dataDir: string, workload: string) => join(dataDir, 'services', `${workload}.pid`);

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function runningPid(dataDir: string, workload: string): Promise<number | undefined> {
  const pid = Number((await readFile(pidFileOf(dataDir, workload), 'utf8').catch(() => '')).trim());
  return pid > 0 && alive(pid) ? pid : undefined;
}

export interface StartedService {
  pid: number;
  logFile: string;
}

/** Starts the workload unless the process in its pid file still runs; returns its pid either way. */
export async function startWorkload(dataDir: string, w: WorkloadFacts, version: { commit?: string | undefined; imageDigest?: string | undefined }, env: NodeJS.ProcessEnv = process.env): Promise<StartedService> {
  const logFile = join(dataDir, 'services', `${w.name}.log`);
  const existing = await runningPid(dataDir, w.name);
  if (existing) return { pid: existing, logFile };
  if (!w.config.start) throw conflict('INCIDENT_NO_START', `start workload ${w.name}: it has no start command in the config`);
  mkdirSync(join(dataDir, 'services'), { recursive: true, mode: 0o700 });
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn('/bin/sh', ['-c', `exec ${w.config.start}`], {
      cwd: w.cwd,
      env: { ...env, HOLDFAST_DEPLOY_COMMIT: version.commit ?? '', HOLDFAST_DEPLOY_IMAGE_DIGEST: version.imageDigest ?? '' },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.once('error', () => undefined);
    child.unref();
    if (!child.pid) throw conflict('INCIDENT_START_FAILED', `start workload ${w.name}: the start command could not be run`);
    await writeFile(pidFileOf(dataDir, w.name), `${child.pid}\n`, { mode: 0o600 });
    return { pid: child.pid, logFile };
  } finally {
    closeSync(fd);
  }
}

/**
 * Stops the workload: its stop command when it has one, else SIGTERM to the process group in its
 * pid file, SIGKILL after `graceMs`. Stopping a stopped workload is a no-op (resume may repeat it).
 */
export async function stopWorkload(dataDir: string, w: WorkloadFacts, clock: Clock, graceMs = 10_000): Promise<{ stopped: boolean; how: string }> {
  if (w.config.stop) {
    const r = await runCommand(w.config.stop, { cwd: w.cwd, timeoutMs: graceMs, clock });
    if (r.exitCode !== 0) throw conflict('INCIDENT_STOP_FAILED', `stop workload ${w.name}: ${describeResult(r)}`);
  }
  const pid = await runningPid(dataDir, w.name);
  if (!pid) return { stopped: Boolean(w.config.stop), how: w.config.stop ? 'stop command' : 'not running' };
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
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (alive(pid)) kill('SIGKILL');
  while (alive(pid)) await new Promise((r) => setTimeout(r, 10));
  await rm(pidFileOf(dataDir, w.name), { force: true });
  return { stopped: true, how: `SIGTERM to process group ${pid}` };
}
