/**
 * Schedule decisions of the control plane, as pure functions of (schedule, marks, now): which fire
 * times are due, which were missed while Holdfast was down, whether a run is stuck, whether a
 * repository has room for one more run. The running scheduler (server/scheduler) only acts on what
 * these return, so every rule is table-tested without sleeping.
 *
 * Cron is evaluated in UTC, like retention's calendars: a schedule must not shift with the host.
 */
import { Cron } from 'croner';

export interface Decision<R extends string> {
  reason: R;
  message: string;
}

// Parsed patterns, reused: parsing dominates when the API lists every job's next fire time.
// A paused Cron is only a calculator here; nothing is ever scheduled on it.
const parsed = new Map<string, Cron>();
function cronOf(schedule: string): Cron {
  let c = parsed.get(schedule);
  if (!c) {
    c = new Cron(schedule, { paused: true, timezone: 'UTC' });
    if (parsed.size > 1000) parsed.clear();
    parsed.set(schedule, c);
  }
  return c;
}

/** Fire times t with after < t <= until, oldest first, at most `limit` (the newest are kept). */
export function fireTimesBetween(schedule: string, after: Date, until: Date, limit = 1000): Date[] {
  const cron = cronOf(schedule);
  const out: Date[] = [];
  let t: Date | null = after;
  while ((t = cron.nextRun(t)) && t.getTime() <= until.getTime()) {
    out.push(t);
    if (out.length > limit) out.shift();
  }
  return out;
}

export function nextFire(schedule: string, after: Date): Date | undefined {
  return cronOf(schedule).nextRun(after) ?? undefined;
}

export interface DueInput {
  schedule: string;
  /** The last fire time the scheduler accounted for (ran, or recorded as missed); undefined on first start. */
  lastFire: Date | undefined;
  now: Date;
  /** A fire time older than this when noticed was missed (Holdfast was down or busy), not merely late. */
  missedAfter: number;
  /** On first start (no mark), run once right away instead of waiting for the next fire time. */
  runAtFirstStart?: boolean;
}

export interface DueDecision extends Decision<'NotDue' | 'Due' | 'FirstStart' | 'MissedCatchUp'> {
  /** Fire time to run now, if any. */
  run: Date | undefined;
  /** Fire times that were missed: recorded and alerted, never run one by one. */
  missed: Date[];
  /** What to store as the new mark. */
  mark: Date;
}

/**
 * What to do about one job now. After downtime every missed fire time is reported, and the job
 * runs once to catch up (a backup of now is worth more than none; running each missed backup would
 * just take N identical snapshots).
 */
export function decideDue(i: DueInput): DueDecision {
  if (!i.lastFire) {
    if (i.runAtFirstStart)
      return {
        reason: 'FirstStart',
        message: 'first start: running once now',
        run: i.now,
        missed: [],
        mark: i.now,
      };
    return {
      reason: 'NotDue',
      message: 'first start: waiting for the next fire time',
      run: undefined,
      missed: [],
      mark: i.now,
    };
  }
  const fires = fireTimesBetween(i.schedule, i.lastFire, i.now);
  const newest = fires.at(-1);
  if (!newest)
    return {
      reason: 'NotDue',
      message: 'no fire time since the last run',
      run: undefined,
      missed: [],
      mark: i.lastFire,
    };
  const late = (t: Date) => i.now.getTime() - t.getTime() > i.missedAfter;
  const missed = fires.filter(late);
  // The newest fire time runs when it is on time; fire times in between that are not yet late
  // coalesce into that run. When even the newest is late, one catch-up run happens now.
  const run = late(newest) ? i.now : newest;
  if (missed.length === 0)
    return { reason: 'Due', message: `due at ${newest.toISOString()}`, run, missed, mark: newest };
  return {
    reason: 'MissedCatchUp',
    message: `${missed.length} run(s) missed since ${i.lastFire.toISOString()} (first ${missed[0]!.toISOString()}); running once now to catch up`,
    run,
    missed,
    mark: newest,
  };
}

/** The watchdog's rule: a run still 'running' after its timeout is failed with this reason. */
export function decideStuck(
  run: { startedAt: Date | undefined; status: string },
  now: Date,
  timeoutMs: number,
): Decision<'NotRunning' | 'Running' | 'Stuck'> {
  if (run.status !== 'running' || !run.startedAt) return { reason: 'NotRunning', message: 'not running' };
  const age = now.getTime() - run.startedAt.getTime();
  if (age > timeoutMs) {
    return {
      reason: 'Stuck',
      message: `still running after ${Math.round(age / 1000)}s, longer than its timeout of ${Math.round(timeoutMs / 1000)}s: marked failed by the watchdog`,
    };
  }
  return { reason: 'Running', message: `running for ${Math.round(age / 1000)}s` };
}

/** Per-repository concurrency: runs beyond the limit wait for a slot (they are not dropped). */
export function decideSlot(runningOnRepository: number, maxConcurrent: number): Decision<'Start' | 'Wait'> {
  if (runningOnRepository < maxConcurrent)
    return { reason: 'Start', message: `${runningOnRepository}/${maxConcurrent} runs on the repository` };
  return {
    reason: 'Wait',
    message: `repository busy: ${runningOnRepository}/${maxConcurrent} runs; waiting for a slot`,
  };
}
