/**
 * Whether the `holdfast.dev/reissue` annotation asks for a reissue now. Each new value forces one
 * reissue with a new key. The policy's `status.handledReissue` alone cannot say it was done: a
 * reconcile may run on a cached policy older than that status write (the rollout it starts wakes the
 * controller again at once), and on a real node that reissued twice per value. So the Secret, read
 * live from the API, also records the value it was issued for. Pure.
 */
export const REISSUE_ANNOTATION = 'holdfast.dev/reissue';
/** On the TLS Secret: the reissue annotation value it was issued for. */
export const REISSUED_FOR_ANNOTATION = 'holdfast.dev/reissued-for';

export interface ReissueDecision {
  /** Issue a new key now. */
  forced: boolean;
  /** What status.handledReissue should say afterwards. */
  handled: string | undefined;
}

export function reissueDecision(i: { requested: string | undefined; handled: string | undefined; secretIssuedFor: string | undefined }): ReissueDecision {
  if (i.requested === undefined || i.requested === i.handled) return { forced: false, handled: i.handled };
  if (i.requested === i.secretIssuedFor) return { forced: false, handled: i.requested };
  return { forced: true, handled: i.requested };
}
