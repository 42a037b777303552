/**
 * Scales and ticks for the dashboard's charts: pure arithmetic, table-tested. A value axis gets
 * "nice" steps (1, 2 or 5 times a power of ten; for bytes, of a binary unit, so labels read
 * "256 KiB" and not "262.1 kB"); a time axis gets a step from a fixed ladder (seconds to months)
 * and labels in UTC, the way the rest of the dashboard prints times.
 */

export type Scale = (v: number) => number;

/** Maps [d0, d1] onto [r0, r1]; a zero-width domain maps everything to the middle of the range. */
export function linearScale([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number]): Scale {
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** The nice step for about `count` intervals over `span`: 1, 2 or 5 × 10^k. */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/**
 * Ticks covering [min, max] from zero or below: the axis starts at a multiple of the step at or
 * below min, ends at one at or above max. Rounded so 0.1 + 0.2 prints as 0.3.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (max < min) [min, max] = [max, min];
  if (max === min) max = min + 1;
  const step = niceStep(max - min, count);
  const start = Math.floor(min / step) * step;
  const end = Math.ceil(max / step) * step;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const out: number[] = [];
  for (let v = start; v <= end + step / 2; v += step) out.push(Number(v.toFixed(decimals)));
  return out;
}

export interface Tick {
  value: number;
  label: string;
}

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Byte ticks from 0 in the largest binary unit that keeps the maximum at or above 1. */
export function byteTicks(max: number, count = 4): Tick[] {
  let i = 0;
  while (i < units.length - 1 && max >= 1024 ** (i + 1)) i++;
  const unit = 1024 ** i;
  // Below a KiB the axis counts whole bytes.
  if (i === 0) return countTicks(max, count).map((t) => ({ ...t, label: `${t.label} B` }));
  return niceTicks(0, max / unit, count).map((v) => ({ value: v * unit, label: `${v} ${units[i]}` }));
}

/** Millisecond ticks from 0, labelled in ms below 2 s, else in seconds or minutes. */
export function durationTicks(maxMs: number, count = 4): Tick[] {
  const [unit, name] = maxMs >= 120_000 ? [60_000, 'min'] : maxMs >= 2000 ? [1000, 's'] : [1, 'ms'];
  return niceTicks(0, Math.max(maxMs / unit, 1), count).map((v) => ({ value: v * unit, label: `${v} ${name}` }));
}

export function countTicks(max: number, count = 4): Tick[] {
  // Counts are whole: a step below 1 would label the axis 0.2, 0.4, …
  const ticks = niceTicks(0, Math.max(max, 1), count);
  const step = Math.max(1, ticks[1]! - ticks[0]!);
  const out: Tick[] = [];
  for (let v = 0; v < ticks.at(-1)! + step / 2; v += step) out.push({ value: v, label: String(v) });
  return out;
}

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const ladder = [S, 5 * S, 15 * S, 30 * S, M, 5 * M, 15 * M, 30 * M, H, 3 * H, 6 * H, 12 * H, D, 2 * D, 7 * D, 14 * D, 30 * D, 91 * D, 365 * D];

/** The smallest step of the ladder that gives at most `count` intervals over the span. */
export function timeStep(spanMs: number, count = 5): number {
  return ladder.find((s) => spanMs / s <= count) ?? ladder.at(-1)!;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A UTC label as precise as the step needs: seconds, minutes, or the day. */
export function timeLabel(t: number, step: number): string {
  const d = new Date(t);
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (step < M) return `${hm}:${pad(d.getUTCSeconds())}`;
  if (step < D) return hm === '00:00' ? day.slice(5) : hm;
  return day.slice(step >= 365 * D ? 0 : 5);
}

/** Ticks at whole multiples of the step (in UTC) inside [start, end]. */
export function timeTicks(start: number, end: number, count = 5): Tick[] {
  if (end <= start) return [{ value: start, label: timeLabel(start, S) }];
  const step = timeStep(end - start, count);
  const out: Tick[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) out.push({ value: t, label: timeLabel(t, step) });
  return out;
}
