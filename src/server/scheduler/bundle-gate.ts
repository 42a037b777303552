/**
 * When serve may put a leaf from a newly active CA in front of the clients whose trust bundle it
 * writes (a certificate's caFile, the API's ca.crt). Those clients re-read the file on their own
 * schedule, so the new root must have been in it for the propagation period before a leaf that
 * chains to it is served — the same wait `rotate-ca` makes for its own targets. Pure.
 */
import type { Decision } from '../../policy/schedule.js';

export type BundleGateReason = 'Ready' | 'AwaitingPropagation';

export interface BundleGateInput {
  now: Date;
  propagationMs: number;
  /** Whether the next leaf comes from another CA than the one served now; a renewal from the same CA needs no new trust. */
  issuerChanges: boolean;
  /** Whether the certificate is already unusable (missing, expired): waiting would only prolong the outage. */
  broken: boolean;
  /** Since when the written bundle has held the issuing CA's root; undefined when serve writes no bundle for it. */
  bundleSince: Date | undefined;
  bundlePath: string | undefined;
}

export function decideBundleGate(i: BundleGateInput): Decision<BundleGateReason> & { until?: Date } {
  if (!i.issuerChanges || i.broken || i.propagationMs <= 0 || !i.bundleSince || !i.bundlePath)
    return { reason: 'Ready', message: 'no client needs to learn a new root first' };
  const until = new Date(i.bundleSince.getTime() + i.propagationMs);
  if (until.getTime() <= i.now.getTime())
    return { reason: 'Ready', message: `${i.bundlePath} has held the new root since ${i.bundleSince.toISOString()}` };
  return {
    reason: 'AwaitingPropagation',
    message: `waiting until ${until.toISOString()} for clients of ${i.bundlePath} to re-read it with the new root (propagation ${Math.round(i.propagationMs / 1000)}s) before serving a leaf from the new CA`,
    until,
  };
}
