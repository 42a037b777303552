/**
 * Workload supervision's decisions, pure so a table test covers each: how an exit reads, whether
 * and when a workload that ended is started again, and which states count as "up".
 *
 * States: `starting` (its process runs, the readiness check has not passed yet), `ready`,
 * `reloading` (a reload command runs against it), `restarting` (ended; started again after a
 * backoff), `exited` (ended and the restart policy keeps it down), `held` (ended while an
 * incident on its volume stopped it on purpose; the incident starts it again), `unready` (was
 * ready, its process still runs, but its readiness check has failed again and again since: a hung
 * service is not a ready one), `deploying` (a planned restart asked through the API — a new
 * version, or the same one again —: stopped on purpose and started again, not ready yet; not an
 * outage, so no alert and not down, unless it is not ready within its ready timeout or its new
 * process ends), `stopped` (serve
 * does not run it: not started yet, or shutting down), `external` (no start command: Holdfast
 * only checks and reloads it) and `down` (external, and its readiness check fails).
 */
export type WorkloadState =
  | 'starting'
  | 'ready'
  | 'reloading'
  | 'deploying'
  | 'unready'
  | 'restarting'
  | 'exited'
  | 'held'
  | 'stopped'
  | 'external'
  | 'down';

/** Up = serving: a reload may be sent, the workload_up metric is 1. */
export const isUp = (s: WorkloadState): boolean => s === 'ready' || s === 'reloading';

/** Down when it should serve and does not; `external` without a check is unknown, and `deploying` planned, not down. */
export const isDown = (s: WorkloadState): boolean => !isUp(s) && s !== 'external' && s !== 'deploying';

export interface ExitFacts {
  /** Both null: the process was not started by this serve (adopted), so how it ended is unknown. */
  code: number | null;
  signal: string | null;
  /** Set when its start command could not be run at all. */
  error?: string | undefined;
}

export function describeExit(e: ExitFacts): string {
  if (e.error) return `could not be started: ${e.error}`;
  if (e.signal) return `was killed by ${e.signal}`;
  if (e.code !== null) return `exited with code ${e.code}`;
  return 'ended (how is unknown: an earlier serve or an incident started it)';
}

export interface RestartPolicy {
  policy: 'always' | 'on-failure' | 'never';
  backoff: number;
  maxBackoff: number;
}

export type RestartDecision =
  | { reason: 'Restart'; delayMs: number; message: string }
  | { reason: 'Held' | 'PolicyNever' | 'CleanExit'; message: string };

/**
 * What to do about a workload that ended. `failures`: ends in a row without a stretch of being
 * ready in between, this one included (1 for the first). `heldBy`: why an incident keeps it down.
 */
export function decideRestart(o: {
  workload: string;
  exit: ExitFacts;
  restart: RestartPolicy;
  failures: number;
  heldBy?: string | undefined;
}): RestartDecision {
  const ended = `workload ${o.workload} ${describeExit(o.exit)}`;
  if (o.heldBy) return { reason: 'Held', message: `${ended}: not restarted: ${o.heldBy}` };
  if (o.restart.policy === 'never') return { reason: 'PolicyNever', message: `${ended}: not restarted (restart.policy is never)` };
  if (o.restart.policy === 'on-failure' && o.exit.code === 0 && !o.exit.signal && !o.exit.error)
    return { reason: 'CleanExit', message: `${ended}: not restarted (restart.policy is on-failure)` };
  const delayMs = Math.min(o.restart.maxBackoff, o.restart.backoff * 2 ** Math.max(0, Math.min(o.failures - 1, 30)));
  return {
    reason: 'Restart',
    delayMs,
    message: `${ended}: restarting in ${seconds(delayMs)} (failure ${o.failures} in a row)`,
  };
}

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)}s` : `${Math.round(ms / 1000)}s`);

/**
 * Whether an end counts as another failure in a row or starts the count again: a workload that
 * was ready for `stableMs` before it ended ran fine and gets the first backoff again.
 */
export function failuresInARow(previous: number, readySince: Date | undefined, endedAt: Date, stableMs: number): number {
  if (readySince && endedAt.getTime() - readySince.getTime() >= stableMs) return 1;
  return previous + 1;
}

/**
 * Whether a certificate renewal may tell the workload now: `now` when it serves (or is external),
 * `wait` while it is on its way up (a signal before its handler is installed would kill it),
 * `skip` when it does not run on purpose (it reads the files when it starts), `fail` when it is
 * down for good.
 */
export function reloadGate(s: WorkloadState): 'now' | 'wait' | 'skip' | 'fail' {
  if (isUp(s) || s === 'external') return 'now';
  if (s === 'starting' || s === 'deploying' || s === 'restarting' || s === 'down' || s === 'unready') return 'wait';
  if (s === 'stopped' || s === 'held') return 'skip';
  return 'fail';
}

/**
 * A ready workload's check, run again: one failure can be a blip of a busy machine, so it is
 * `unready` only after `threshold` failures in a row, and ready again at the first pass.
 */
export function afterRecheck(o: { state: 'ready' | 'unready'; failures: number; ok: boolean; threshold: number }): { state: 'ready' | 'unready'; failures: number } {
  if (o.ok) return { state: 'ready', failures: 0 };
  const failures = o.failures + 1;
  return { state: failures >= o.threshold ? 'unready' : o.state, failures };
}
