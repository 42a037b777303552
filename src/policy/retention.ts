/**
 * GFS retention: which snapshots `forget` keeps. Same semantics as restic's `forget --keep-*`, so
 * users carry their policies over: snapshots are considered newest first; each --keep-<period> N
 * keeps the newest snapshot of each of the last N distinct periods that have a snapshot; a snapshot
 * kept by any rule is kept, and every kept snapshot carries the reasons it was kept.
 *
 * Pure: time comes in through `now`, calendars are UTC (a policy must not shift with the host's zone).
 */
import { z } from 'zod';

export const retentionSchema = z
  .object({
    keepLast: z.number().int().nonnegative().optional(),
    keepHourly: z.number().int().nonnegative().optional(),
    keepDaily: z.number().int().nonnegative().optional(),
    keepWeekly: z.number().int().nonnegative().optional(),
    keepMonthly: z.number().int().nonnegative().optional(),
    keepYearly: z.number().int().nonnegative().optional(),
    /** Keep everything newer than this duration, e.g. "7d", "36h", "1y2m". */
    keepWithin: z
      .string()
      .regex(/^(\d+[yMmwdh])+$/, 'keepWithin is a duration like 7d, 36h or 1y6m (y, m=month, w, d, h)')
      .optional(),
    /** Keep snapshots that carry any of these tags. */
    keepTags: z.array(z.string()).optional(),
  })
  .strict();

export type RetentionPolicy = z.infer<typeof retentionSchema>;

export interface RetainedItem {
  id: string;
  time: Date;
  tags: readonly string[];
}

export interface RetentionDecision {
  id: string;
  keep: boolean;
  /** Why it is kept ("last 3", "daily 2026-11-30", "within 7d", "tag incident", "pinned: …"); empty when removed. */
  reasons: string[];
}

const periodKey: Record<'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly', (d: Date) => string> = {
  hourly: (d) => d.toISOString().slice(0, 13),
  daily: (d) => d.toISOString().slice(0, 10),
  weekly: (d) => isoWeek(d),
  monthly: (d) => d.toISOString().slice(0, 7),
  yearly: (d) => d.toISOString().slice(0, 4),
};

/** ISO-8601 week ("2026-W49"): weeks start on Monday and belong to the year of their Thursday. */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Subtracts a duration like "1y2m3d" from `now` on the UTC calendar. */
export function subtractDuration(now: Date, duration: string): Date {
  const d = new Date(now);
  for (const [, n, unit] of duration.matchAll(/(\d+)([yMmwdh])/g)) {
    const k = Number(n);
    if (unit === 'y') d.setUTCFullYear(d.getUTCFullYear() - k);
    else if (unit === 'm' || unit === 'M') d.setUTCMonth(d.getUTCMonth() - k);
    else if (unit === 'w') d.setUTCDate(d.getUTCDate() - 7 * k);
    else if (unit === 'd') d.setUTCDate(d.getUTCDate() - k);
    else d.setUTCHours(d.getUTCHours() - k);
  }
  return d;
}

export function isEmptyPolicy(p: RetentionPolicy): boolean {
  return (
    p.keepLast === undefined &&
    p.keepHourly === undefined &&
    p.keepDaily === undefined &&
    p.keepWeekly === undefined &&
    p.keepMonthly === undefined &&
    p.keepYearly === undefined &&
    p.keepWithin === undefined &&
    (p.keepTags === undefined || p.keepTags.length === 0)
  );
}

/**
 * Applies `policy` to `items` (any order). `pinned` maps ids that must be kept whatever the rules
 * say (the newest known-good restore point, incident evidence) to the reason.
 * Decisions come back newest first.
 */
export function applyRetention(
  items: readonly RetainedItem[],
  policy: RetentionPolicy,
  now: Date,
  pinned: ReadonlyMap<string, string> = new Map(),
): RetentionDecision[] {
  const sorted = [...items].sort((a, b) => b.time.getTime() - a.time.getTime() || (a.id < b.id ? -1 : 1));
  const reasons = new Map<string, string[]>(sorted.map((s) => [s.id, []]));
  const add = (id: string, why: string) => reasons.get(id)!.push(why);

  sorted.slice(0, policy.keepLast ?? 0).forEach((s, i) => add(s.id, `last ${i + 1}`));

  const periods = [
    ['hourly', policy.keepHourly],
    ['daily', policy.keepDaily],
    ['weekly', policy.keepWeekly],
    ['monthly', policy.keepMonthly],
    ['yearly', policy.keepYearly],
  ] as const;
  for (const [name, count] of periods) {
    if (!count) continue;
    const seen = new Set<string>();
    for (const s of sorted) {
      const key = periodKey[name](s.time);
      if (seen.has(key)) continue;
      if (seen.size >= count) break;
      seen.add(key);
      add(s.id, `${name} ${key}`);
    }
  }

  if (policy.keepWithin) {
    const since = subtractDuration(now, policy.keepWithin);
    for (const s of sorted) if (s.time >= since) add(s.id, `within ${policy.keepWithin}`);
  }
  for (const tag of policy.keepTags ?? [])
    for (const s of sorted) if (s.tags.includes(tag)) add(s.id, `tag ${tag}`);
  for (const [id, why] of pinned) if (reasons.has(id)) add(id, `pinned: ${why}`);

  return sorted.map((s) => {
    const r = reasons.get(s.id)!;
    return { id: s.id, keep: r.length > 0, reasons: r };
  });
}
