/**
 * When a policy starts a run: at each slot of its cron schedule (UTC), or once per value of the
 * `holdfast.dev/trigger` annotation (a manual "backup now"). Runs never overlap, and missed slots
 * (operator down) collapse into one run for the latest slot rather than a burst of catch-up runs.
 */
import { createHash } from 'node:crypto';
import { Cron } from 'croner';

export const TRIGGER_ANNOTATION = 'holdfast.dev/trigger';

export interface ScheduleInput {
  schedule: string;
  suspend: boolean;
  createdAt: Date;
  lastScheduleTime?: Date;
  trigger?: string;
  handledTrigger?: string;
  runInProgress?: string;
}

export interface ScheduleDecision {
  reason: 'InvalidSchedule' | 'RunInProgress' | 'Triggered' | 'Suspended' | 'Due' | 'NotDue';
  message: string;
  start?: { id: string; trigger: string; slot?: Date };
  /** When to look again (the next slot). */
  nextAt?: Date;
}

const compact = (d: Date) => d.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', 't');

export function parseSchedule(s: string): Cron | undefined {
  try {
    const c = new Cron(s, { paused: true, timezone: 'UTC' });
    return c.nextRun(new Date(0)) ? c : undefined;
  } catch {
    return undefined;
  }
}

export function scheduleDecision(i: ScheduleInput, now: Date): ScheduleDecision {
  const cron = parseSchedule(i.schedule);
  if (!cron) return { reason: 'InvalidSchedule', message: `schedule "${i.schedule}" is not a cron expression` };
  const next = cron.nextRun(now) ?? undefined;
  if (i.runInProgress) return { reason: 'RunInProgress', message: `run ${i.runInProgress} is still in progress`, nextAt: next };
  if (i.trigger && i.trigger !== i.handledTrigger) {
    const id = 'm' + createHash('sha256').update(i.trigger).digest('hex').slice(0, 8);
    return { reason: 'Triggered', message: `manual trigger "${i.trigger}"`, start: { id, trigger: `manual:${i.trigger}` }, nextAt: next };
  }
  if (i.suspend) return { reason: 'Suspended', message: 'the policy is suspended', nextAt: next };
  // The latest slot in (since, now]: search growing windows back from now, so a long outage costs a
  // few steps and collapses into one run, not one per missed slot.
  const since = i.lastScheduleTime ?? i.createdAt;
  let slot: Date | undefined;
  for (const windowMs of [3_600_000, 86_400_000, 31 * 86_400_000, 366 * 86_400_000, Infinity]) {
    const from = new Date(Math.max(since.getTime(), now.getTime() - windowMs));
    for (let c = cron.nextRun(from), n = 0; c && c <= now && n < 100_000; c = cron.nextRun(c), n++) slot = c;
    if (slot || from.getTime() === since.getTime()) break;
  }
  if (!slot) return { reason: 'NotDue', message: `next run at ${next?.toISOString() ?? 'never'}`, nextAt: next };
  return { reason: 'Due', message: `scheduled slot ${slot.toISOString()}`, start: { id: compact(slot), trigger: 'schedule', slot }, nextAt: next };
}
