/**
 * The running scheduler: on every tick it asks policy/schedule which jobs are due or were missed,
 * records missed runs, queues due ones per repository (at most `maxConcurrent` at once, the rest
 * wait), and lets a watchdog fail runs that outlive their timeout. Time comes only from the
 * injected clock; the interval timer just says "look again", so tests call tick() themselves.
 *
 * A job that is still queued or running when it is due again is not run twice: that fire time is
 * recorded as missed (reason StillRunning).
 *
 * The catalog may be locked for a while by another process on the same data directory (a large
 * `holdfast sast ingest`). A tick that cannot write then changes nothing and the next one decides
 * again; a run's outcome waits for the catalog. Neither may end serve: an exception from a timer
 * would, and with it every later backup.
 */
import type { Logger } from '../../base/log.js';
import { HoldfastError } from '../../base/errors.js';
import { isCatalogBusy, whenCatalogFree } from '../../catalog/busy.js';
import type { FinishRun, RunHistory, RunKind, RunRow } from '../../catalog/run-history.js';
import type { Clock } from '../../platform/clock.js';
import { decideDue, decideSlot, decideStuck, nextFire } from '../../policy/schedule.js';

export interface RunContext {
  run: RunRow;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

export interface Job {
  /** "backup/<policy>/<volume>", "verify/<policy>/<volume>", "certificate/<name>", "prune/<repository>", "report/review". */
  id: string;
  kind: RunKind;
  policy: string;
  target: string;
  /** Name of the repository whose slots the job takes; none for jobs that use no repository. */
  repository?: string;
  schedule: string;
  timeoutMs: number;
  missedAfterMs: number;
  runAtStart: boolean;
  /**
   * The job's own hold-back, asked like the scheduler's `skip` just before it starts (a prune of a
   * repository waits out an incident on any of its volumes: the scheduler's skip knows volumes only).
   */
  skip?(): { skip: boolean; reason: string; message: string };
  execute(ctx: RunContext): Promise<Omit<FinishRun, 'status'>>;
}

export interface SchedulerEvents {
  missed?(job: Job, missed: Date[], reason: string): void;
  failed?(job: Job, run: RunRow): void;
  succeeded?(job: Job, run: RunRow): void;
}

export class Scheduler {
  private readonly jobs = new Map<string, Job>();
  private readonly queue: { job: Job; scheduledFor: Date }[] = [];
  private readonly active = new Map<string, { job: Job; run: RunRow; promise: Promise<void> }>();
  /** Runs the watchdog gave up on: still executing; awaited on shutdown so no process outlives us. */
  private readonly orphaned = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** Why the last tick could not finish, until one does. */
  private stalled: string | undefined;

  constructor(
    private readonly o: {
      runs: RunHistory;
      clock: Clock;
      log: Logger;
      slots: (repository: string) => number;
      events?: SchedulerEvents;
      /**
       * Asked just before a due (or triggered) run starts: a run skipped is recorded with its reason
       * as a run that never started (status missed), logged, and not reported as missed or failed —
       * it was not lost to downtime or a fault but held back on purpose (an incident on its volume).
       */
      skip?: (job: Job) => { skip: boolean; reason: string; message: string };
    },
  ) {}

  add(job: Job): void {
    this.jobs.set(job.id, job);
  }

  list(): (Job & { next: Date | undefined; running: boolean; queued: boolean })[] {
    const now = this.o.clock.now();
    return [...this.jobs.values()].map((j) => ({
      ...j,
      next: nextFire(j.schedule, now),
      running: this.active.has(j.id),
      queued: this.queue.some((q) => q.job.id === j.id),
    }));
  }

  /** Runs left 'running' by a previous process that died: they will never finish, so fail them. */
  recoverInterrupted(): number {
    let n = 0;
    for (const r of this.o.runs.running()) {
      if ([...this.active.values()].some((a) => a.run.id === r.id)) continue;
      this.o.runs.finish(r.id, this.o.clock.now(), {
        status: 'failed',
        reason: 'Interrupted',
        message: 'Holdfast stopped while this run was in progress',
      });
      n++;
    }
    return n;
  }

  start(intervalMs = 1000): void {
    this.recoverInterrupted();
    this.tick();
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  /** Stops scheduling; runs in progress finish (await idle()). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  /** Queues a job now, outside its schedule (API "run now"). */
  trigger(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || this.active.has(id) || this.queue.some((q) => q.job.id === id)) return false;
    this.queue.push({ job, scheduledFor: this.o.clock.now() });
    try {
      this.drain();
    } catch (e) {
      // Still queued: it starts at the first tick the catalog allows.
      this.tickFailed(e);
    }
    return true;
  }

  tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    try {
      this.decide();
      if (this.stalled) this.o.log.info('the catalog takes writes again: scheduling resumes');
      this.stalled = undefined;
    } catch (e) {
      this.tickFailed(e);
    } finally {
      this.ticking = false;
    }
  }

  /** Said once per stall, not every second: what was not written is decided again at the next tick. */
  private tickFailed(e: unknown): void {
    const busy = isCatalogBusy(e);
    const message = busy
      ? 'the catalog is locked by another process: nothing is scheduled until it is free'
      : `scheduler: ${e instanceof Error ? e.message : String(e)}`;
    if (message !== this.stalled) this.o.log[busy ? 'warn' : 'error'](message);
    this.stalled = message;
  }

  private decide(): void {
    const now = this.o.clock.now();
    this.watchdog(now);
    for (const job of this.jobs.values()) {
      const d = decideDue({
        schedule: job.schedule,
        lastFire: this.o.runs.mark(job.id),
        now,
        missedAfter: job.missedAfterMs,
        runAtFirstStart: job.runAtStart,
      });
      // The missed runs before the mark that passes them: a write the catalog refuses is then made again.
      if (d.missed.length > 0) this.recordMissed(job, d.missed, 'Downtime', d.message);
      if (d.mark.getTime() !== this.o.runs.mark(job.id)?.getTime()) this.o.runs.setMark(job.id, d.mark);
      if (!d.run) continue;
      if (this.active.has(job.id)) {
        this.recordMissed(job, [d.run], 'StillRunning', `the previous run of ${job.id} has not finished`);
        continue;
      }
      if (this.queue.some((q) => q.job.id === job.id)) {
        this.recordMissed(
          job,
          [d.run],
          'StillQueued',
          `the previous run of ${job.id} is still waiting for a slot on repository ${job.repository}`,
        );
        continue;
      }
      this.queue.push({ job, scheduledFor: d.run });
    }
    this.drain();
  }

  private recordMissed(job: Job, times: Date[], reason: string, message: string): void {
    // After a long downtime keep the record bounded: the newest 20 fire times, and the count in the message.
    for (const t of times.slice(-20))
      this.o.runs.recordMissed({
        kind: job.kind,
        policy: job.policy,
        target: job.target,
        repository: job.repository,
        scheduledFor: t,
        reason,
        message,
      });
    this.o.log.warn(`${job.id}: ${times.length} scheduled run(s) missed: ${message}`);
    this.o.events?.missed?.(job, times, reason);
  }

  private watchdog(now: Date): void {
    for (const [id, a] of this.active) {
      const job = a.job;
      const d = decideStuck(a.run, now, job.timeoutMs);
      if (d.reason !== 'Stuck') continue;
      const run = this.o.runs.finish(a.run.id, now, {
        status: 'failed',
        reason: 'Stuck',
        message: d.message,
      });
      this.o.runs.log(a.run.id, now, 'error', d.message);
      this.o.log.error(`${id}: ${d.message}`, { run: a.run.id });
      // Free the slot: a hung engine must not block every later run. Its late result is ignored.
      this.active.delete(id);
      this.orphaned.add(a.promise);
      void a.promise.finally(() => this.orphaned.delete(a.promise));
      if (run) this.o.events?.failed?.(job, run);
    }
  }

  private runningOn(repository: string): number {
    return [...this.active.values()].filter((a) => a.job.repository === repository).length;
  }

  private drain(): void {
    for (let i = 0; i < this.queue.length;) {
      const { job, scheduledFor } = this.queue[i]!;
      if (
        job.repository &&
        decideSlot(this.runningOn(job.repository), this.o.slots(job.repository)).reason === 'Wait'
      ) {
        i++;
        continue;
      }
      const own = job.skip?.();
      const skip = own?.skip ? own : this.o.skip?.(job);
      // Out of the queue only once recorded: a write the catalog refused leaves the run queued.
      if (skip?.skip) {
        this.o.runs.recordMissed({
          kind: job.kind,
          policy: job.policy,
          target: job.target,
          repository: job.repository,
          scheduledFor,
          reason: skip.reason,
          message: skip.message,
        });
        this.queue.splice(i, 1);
        this.o.log.info(skip.message);
        continue;
      }
      this.launch(job, scheduledFor);
      this.queue.splice(i, 1);
    }
  }

  /** Runs a job right away (start-up work such as a missing certificate) and waits for its outcome. */
  async runNow(id: string): Promise<RunRow | undefined> {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    const busy = this.active.get(id);
    if (busy) {
      await busy.promise;
      return this.o.runs.get(busy.run.id);
    }
    const { run, promise } = this.launch(job, this.o.clock.now());
    await promise;
    return this.o.runs.get(run.id);
  }

  private launch(job: Job, scheduledFor: Date): { run: RunRow; promise: Promise<void> } {
    const runs = this.o.runs;
    const run = runs.start({
      kind: job.kind,
      policy: job.policy,
      target: job.target,
      repository: job.repository,
      scheduledFor,
      startedAt: this.o.clock.now(),
    });
    const log = this.o.log.child({ job: job.id, run: run.id });
    const ctx: RunContext = {
      run,
      log: (level, message) => {
        log[level](message);
        try {
          runs.log(run.id, this.o.clock.now(), level, message);
        } catch (e) {
          // A line the locked catalog refused is in serve's log only: not worth failing a backup for.
          if (!isCatalogBusy(e)) throw e;
        }
      },
    };
    const promise = (async () => {
      let outcome: FinishRun;
      try {
        const r = await job.execute(ctx);
        outcome = { ...r, status: 'succeeded' };
      } catch (e) {
        const code = e instanceof HoldfastError ? e.code : 'BUG';
        const message =
          e instanceof HoldfastError
            ? e.message
            : `internal error: ${e instanceof Error ? e.message : String(e)}`;
        log.error(message, e instanceof HoldfastError ? undefined : { stack: e instanceof Error ? e.stack : undefined });
        outcome = { status: 'failed', reason: code, message, details: (e as { details?: Record<string, unknown> }).details };
      }
      const finished = await this.record(run, outcome, log);
      const stillOurs = this.active.get(job.id)?.run.id === run.id;
      if (stillOurs) this.active.delete(job.id);
      // A run the watchdog already failed keeps that verdict; report only our own outcome.
      try {
        if (stillOurs && finished) {
          if (finished.status === 'succeeded') this.o.events?.succeeded?.(job, finished);
          else if (finished.status === 'failed') this.o.events?.failed?.(job, finished);
        }
        this.drain();
      } catch (e) {
        this.tickFailed(e);
      }
    })();
    this.active.set(job.id, { job, run, promise });
    return { run, promise };
  }

  /**
   * The run's outcome in the catalog, waiting for it while another process holds it locked; when it
   * stays locked, the run is left "running" and the next start fails it as Interrupted.
   */
  private async record(run: RunRow, outcome: FinishRun, log: Logger): Promise<RunRow | undefined> {
    const onBusy = (n: number) => n === 1 && log.warn('the catalog is locked by another process: the run\'s outcome waits for it');
    try {
      if (outcome.status === 'failed') await whenCatalogFree(() => this.o.runs.log(run.id, this.o.clock.now(), 'error', outcome.message ?? ''), { onBusy });
      return await whenCatalogFree(() => this.o.runs.finish(run.id, this.o.clock.now(), outcome), { onBusy });
    } catch (e) {
      log.error(`could not record the outcome of run ${run.id} (${outcome.status}): ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  /** Resolves when nothing is running (queued jobs waiting for a slot start as slots free). */
  async idle(): Promise<void> {
    while (this.active.size > 0 || this.orphaned.size > 0)
      await Promise.all([...[...this.active.values()].map((a) => a.promise), ...this.orphaned]);
  }
}
