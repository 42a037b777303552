/**
 * What the charts plot, from catalog rows: pure, so each is a table test. Times are epoch ms.
 */
import type { Point } from './svg.js';

export interface BackupRunFact {
  target: string;
  status: string;
  finishedAt: Date | undefined;
  durationMs: number | undefined;
  bytes: number | undefined;
  details: Record<string, unknown>;
}

export interface BackupSeries {
  volume: string;
  duration: Point[];
  size: Point[];
  added: Point[];
}

/** Per volume, oldest first: each succeeded backup's duration, size, and the data it added to the repository. */
export function backupSeries(runs: readonly BackupRunFact[]): BackupSeries[] {
  const by = new Map<string, BackupSeries>();
  for (const r of runs) {
    if (r.status !== 'succeeded' || !r.finishedAt) continue;
    const s = by.get(r.target) ?? { volume: r.target, duration: [], size: [], added: [] };
    by.set(r.target, s);
    const t = r.finishedAt.getTime();
    if (r.durationMs !== undefined) s.duration.push({ t, v: r.durationMs });
    if (r.bytes !== undefined) s.size.push({ t, v: r.bytes });
    const added = r.details.addedBytes;
    if (typeof added === 'number') s.added.push({ t, v: added });
  }
  for (const s of by.values()) for (const k of ['duration', 'size', 'added'] as const) s[k].sort((a, b) => a.t - b.t);
  return [...by.values()].sort((a, b) => a.volume.localeCompare(b.volume));
}

export interface CertificateEventFact {
  name: string;
  time: Date;
  action: string;
  serial: string | undefined;
  notAfter: Date | undefined;
}

/**
 * Each certificate Holdfast issued as a span from its issue to its expiry, and each renewal as a
 * mark. Probes are not issues; an event without an expiry has no span to draw.
 */
export function certificateSpans(events: readonly CertificateEventFact[]): {
  spans: { row: string; from: number; to: number; title: string }[];
  marks: { row: string; t: number; title: string }[];
} {
  const issued = events.filter((e) => (e.action === 'issued' || e.action === 'renewed') && e.notAfter);
  return {
    spans: issued
      .map((e) => ({
        row: e.name,
        from: e.time.getTime(),
        to: e.notAfter!.getTime(),
        title: `${e.name} serial ${e.serial ?? '?'}: ${e.action} ${e.time.toISOString()}, valid until ${e.notAfter!.toISOString()}`,
      }))
      .sort((a, b) => a.row.localeCompare(b.row) || a.from - b.from),
    marks: issued
      .filter((e) => e.action === 'renewed')
      .map((e) => ({ row: e.name, t: e.time.getTime(), title: `${e.name} renewed ${e.time.toISOString()}` }))
      .sort((a, b) => a.t - b.t),
  };
}

export interface FindingLifeFact {
  severity: string;
  firstSeenAt: string;
  /** When it stopped being open (fixed or dismissed), if it did. */
  fixedAt?: string | undefined;
  dismissedAt?: string | undefined;
}

/**
 * How many findings of each severity were open over time: a step series per severity, with a
 * point at every change and one at `now`. Open from first seen until fixed or dismissed; a
 * reopened finding counts from its first sighting (the catalog keeps no earlier fix time).
 */
export function openFindingsOverTime(findings: readonly FindingLifeFact[], severities: readonly string[], now: number): Map<string, Point[]> {
  const out = new Map<string, Point[]>();
  for (const sev of severities) {
    const deltas = new Map<number, number>();
    for (const f of findings) {
      if (f.severity !== sev) continue;
      const from = Date.parse(f.firstSeenAt);
      deltas.set(from, (deltas.get(from) ?? 0) + 1);
      const ends = [f.fixedAt, f.dismissedAt].filter((x): x is string => !!x).map(Date.parse);
      if (ends.length) {
        const to = Math.min(...ends);
        deltas.set(to, (deltas.get(to) ?? 0) - 1);
      }
    }
    if (deltas.size === 0) continue;
    let open = 0;
    const points: Point[] = [];
    for (const t of [...deltas.keys()].sort((a, b) => a - b)) {
      open += deltas.get(t)!;
      points.push({ t, v: open });
    }
    if (points.at(-1)!.t < now) points.push({ t: now, v: open });
    out.set(sev, points);
  }
  return out;
}
