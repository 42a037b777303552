/**
 * Starting and stopping a workload for a playbook: platform/local's LocalService (the same one
 * `holdfast serve` uses, so an incident stops and restarts the very process serve manages, and
 * serve goes on managing it), bound to a workload as the config declares it. The names below are
 * what the steps and the CLI call; the behaviour (detached child, pid file, adoption) is there.
 */
import { conflict } from '../base/errors.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { LocalService, pidFileOf, runningPidIn, type ServiceVersion } from '../platform/local/service.js';
import type { WorkloadFacts } from './facts.js';

export { alive, pidFileOf } from '../platform/local/service.js';

export function workloadService(dataDir: string, w: WorkloadFacts, clock: Clock, env: NodeJS.ProcessEnv = process.env): LocalService {
  return new LocalService({ name: w.name, start: w.config.start, stop: w.config.stop, reload: w.config.reload, cwd: w.cwd, env, dataDir }, clock);
}

export function runningPid(dataDir: string, workload: string): Promise<number | undefined> {
  return runningPidIn(pidFileOf(dataDir, workload));
}

export interface StartedService {
  pid: number;
  logFile: string;
}

/** Starts the workload unless the process in its pid file still runs; returns its pid either way. */
export async function startWorkload(dataDir: string, w: WorkloadFacts, version: ServiceVersion, env: NodeJS.ProcessEnv = process.env, clock: Clock = systemClock): Promise<StartedService> {
  const s = await workloadService(dataDir, w, clock, env).start(version);
  if (!s) throw conflict('INCIDENT_NO_START', `start workload ${w.name}: it has no start command in the config`);
  return { pid: s.pid, logFile: s.logFile };
}

/** Stops the workload (stop command, else SIGTERM to its process group, SIGKILL after `graceMs`); a stopped one is a no-op. */
export function stopWorkload(dataDir: string, w: WorkloadFacts, clock: Clock, graceMs = 10_000): Promise<{ stopped: boolean; how: string }> {
  return workloadService(dataDir, w, clock).stop(graceMs);
}
