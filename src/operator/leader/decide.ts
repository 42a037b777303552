/**
 * Who leads: a pure decision over the Lease record and what this replica observed of it. Like
 * client-go, expiry is judged by *our* clock from the moment we last saw the record change, never by
 * comparing the holder's renewTime with our clock, so clock skew between nodes cannot make two
 * replicas lead at once.
 */
export interface LeaseRecord {
  holder: string | undefined;
  /** Changes on every renewal (renewTime as written by the holder). */
  renewTime: string | undefined;
  leaseDurationMs: number;
}

export interface Observation {
  record: LeaseRecord;
  /** Our clock when we first saw this exact record. */
  seenAt: number;
}

export type LeaderAction = 'create' | 'renew' | 'acquire' | 'follow';

export interface LeaderDecision {
  action: LeaderAction;
  reason: 'NoLease' | 'Holder' | 'Released' | 'Expired' | 'HeldByOther';
  message: string;
}

export function leaderDecision(
  lease: LeaseRecord | undefined,
  observed: Observation | undefined,
  me: string,
  now: number,
): LeaderDecision {
  if (!lease) return { action: 'create', reason: 'NoLease', message: 'no lease yet: create it and lead' };
  if (lease.holder === me) return { action: 'renew', reason: 'Holder', message: 'we hold the lease: renew it' };
  if (!lease.holder) return { action: 'acquire', reason: 'Released', message: 'the lease was released: take it' };
  const same =
    observed && observed.record.holder === lease.holder && observed.record.renewTime === lease.renewTime;
  const since = same ? observed.seenAt : now;
  if (now - since >= lease.leaseDurationMs)
    return {
      action: 'acquire',
      reason: 'Expired',
      message: `${lease.holder} has not renewed for ${Math.round((now - since) / 1000)}s: take over`,
    };
  return { action: 'follow', reason: 'HeldByOther', message: `${lease.holder} leads` };
}
