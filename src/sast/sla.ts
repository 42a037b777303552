/**
 * Remediation deadlines: an open finding is due `days[severity]` after it was first seen, and
 * overdue after that. Dismissed, suppressed and fixed findings have no deadline. Pure: `now` is given.
 */
import { invalidInput } from '../base/errors.js';
import type { Severity } from './severity.js';

export type SlaPolicy = Partial<Record<Severity, number>>;

/** Common defaults (critical a week, high a month, medium a quarter, low half a year). */
export const defaultSla: SlaPolicy = { critical: 7, high: 30, medium: 90, low: 180 };

export interface SlaStatus {
  dueAt: Date | undefined;
  overdue: boolean;
  reason: 'not-open' | 'no-deadline' | 'within' | 'overdue';
  message: string;
}

const day = 24 * 60 * 60 * 1000;

export function slaOf(f: { state: string; severity: string; firstSeenAt: string }, policy: SlaPolicy, now: Date): SlaStatus {
  if (f.state !== 'open') return { dueAt: undefined, overdue: false, reason: 'not-open', message: `finding is ${f.state}: no deadline` };
  const days = policy[f.severity as Severity];
  if (days === undefined) return { dueAt: undefined, overdue: false, reason: 'no-deadline', message: `no deadline for ${f.severity} findings` };
  const dueAt = new Date(Date.parse(f.firstSeenAt) + days * day);
  if (now.getTime() > dueAt.getTime()) {
    const late = Math.floor((now.getTime() - dueAt.getTime()) / day);
    return { dueAt, overdue: true, reason: 'overdue', message: `overdue by ${late} day(s): ${f.severity} findings are due within ${days} days` };
  }
  return { dueAt, overdue: false, reason: 'within', message: `due ${dueAt.toISOString().slice(0, 10)} (${days} days for ${f.severity})` };
}

/** Parses "critical=7,high=30" (from a flag or HOLDFAST_SAST_SLA) over the defaults. */
export function parseSla(spec: string | undefined): SlaPolicy {
  const out: SlaPolicy = { ...defaultSla };
  if (!spec) return out;
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(critical|high|medium|low|info)=(\d+)$/.exec(part);
    if (!m) throw invalidInput('BAD_SLA', `SLA "${part}": expected severity=days, e.g. high=30`);
    out[m[1] as Severity] = Number(m[2]);
  }
  return out;
}
