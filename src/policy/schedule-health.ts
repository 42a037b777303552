/**
 * Health decisions the control plane alerts and reports on: is a volume's verification stale, is a
 * certificate due for renewal or about to expire, is an open finding past its SLA. Pure: `now` in.
 */
import { formatDuration } from '../base/format.js';
import type { Decision } from './schedule.js';

export function decideVerification(i: {
  lastPassed: Date | undefined;
  lastResult: 'passed' | 'failed' | undefined;
  since: Date;
  now: Date;
  staleAfter: number;
}): Decision<'Fresh' | 'Failed' | 'Stale' | 'NeverVerified' | 'Pending'> {
  const days = (ms: number) => (ms < 172_800_000 ? formatDuration(ms) : `${(ms / 86_400_000).toFixed(1)}d`);
  if (i.lastResult === 'failed') return { reason: 'Failed', message: 'the last verified restore failed' };
  if (!i.lastPassed) {
    const waited = i.now.getTime() - i.since.getTime();
    return waited > i.staleAfter
      ? {
          reason: 'NeverVerified',
          message: `never verified in ${days(waited)} (limit ${days(i.staleAfter)})`,
        }
      : { reason: 'Pending', message: 'not verified yet' };
  }
  const age = i.now.getTime() - i.lastPassed.getTime();
  if (age > i.staleAfter)
    return { reason: 'Stale', message: `last verified ${days(age)} ago, longer than ${days(i.staleAfter)}` };
  return { reason: 'Fresh', message: `verified ${days(age)} ago` };
}

export function decideRenewal(i: {
  notAfter: Date | undefined;
  now: Date;
  renewBefore: number;
  expected?: string | undefined;
  actual?: string | undefined;
}): Decision<'Missing' | 'Expired' | 'RenewalDue' | 'Mismatch' | 'Valid'> {
  if (!i.notAfter) return { reason: 'Missing', message: 'no certificate has been issued yet' };
  const left = i.notAfter.getTime() - i.now.getTime();
  if (left <= 0) return { reason: 'Expired', message: `expired at ${i.notAfter.toISOString()}` };
  if (left <= i.renewBefore)
    return {
      reason: 'RenewalDue',
      message: `expires at ${i.notAfter.toISOString()}, within the renewal window`,
    };
  if (i.expected && i.actual && i.expected !== i.actual)
    return { reason: 'Mismatch', message: 'the written certificate differs from the one the policy expects' };
  return { reason: 'Valid', message: `valid until ${i.notAfter.toISOString()}` };
}

export function decideExpiryAlert(
  notAfter: Date | undefined,
  now: Date,
  within: number,
): Decision<'Ok' | 'Expiring' | 'Expired' | 'Unknown'> {
  if (!notAfter) return { reason: 'Unknown', message: 'expiry unknown' };
  const left = notAfter.getTime() - now.getTime();
  if (left <= 0) return { reason: 'Expired', message: `expired at ${notAfter.toISOString()}` };
  if (left <= within)
    return { reason: 'Expiring', message: `expires in ${formatDuration(left)} (${notAfter.toISOString()})` };
  return { reason: 'Ok', message: `expires ${notAfter.toISOString()}` };
}

export type SlaSeverity = 'critical' | 'high' | 'medium' | 'low';

/**
 * Per severity, the first-seen time before which an open finding is overdue (decideSla's rule
 * turned around: now > firstSeen + limit ⇔ firstSeen < now − limit), as the ISO text the catalog
 * stores, so counting overdue findings is a comparison in SQL rather than a view of each.
 */
export function overdueCutoffs(sla: Record<SlaSeverity, number>, now: Date): Record<SlaSeverity, string> {
  const out = {} as Record<SlaSeverity, string>;
  for (const [severity, limit] of Object.entries(sla) as [SlaSeverity, number][])
    out[severity] = new Date(now.getTime() - limit).toISOString();
  return out;
}
/**
 * An open finding is due `sla[severity]` after it was first seen and overdue after that; a
 * dismissed, suppressed or fixed one has no deadline. The one rule behind the API, the dashboard,
 * the review report and `holdfast sast findings`.
 */
export function decideSla(i: {
  state: string;
  severity: string;
  firstSeenAt: Date;
  now: Date;
  sla: Record<SlaSeverity, number>;
}): Decision<'WithinSla' | 'Overdue' | 'NoSla' | 'Closed'> & { dueAt?: Date } {
  if (i.state !== 'open') return { reason: 'Closed', message: `finding is ${i.state}: no deadline` };
  const limit = i.sla[i.severity as SlaSeverity];
  if (limit === undefined) return { reason: 'NoSla', message: `no SLA for severity ${i.severity}` };
  const dueAt = new Date(i.firstSeenAt.getTime() + limit);
  const within = `${i.severity} findings are due within ${limit % 86_400_000 === 0 ? `${limit / 86_400_000} days` : formatDuration(limit)}`;
  if (i.now.getTime() > dueAt.getTime())
    return { reason: 'Overdue', message: `overdue since ${dueAt.toISOString()}: ${within}`, dueAt };
  return { reason: 'WithinSla', message: `due by ${dueAt.toISOString()}: ${within}`, dueAt };
}
