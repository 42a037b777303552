/**
 * The one-proposal-per-volume rule, pure so a table test covers each case. Used wherever findings
 * become proposals — the control plane's SARIF upload, `holdfast sast ingest --config` — and by
 * the control plane when an incident succeeds.
 */

export interface WithdrawInput {
  proposal: { id: string; volume: string; findingId: string | undefined };
  /** Another proposal on the same volume made for the same report and kept (the most severe finding's). */
  keptForUpload?: string | undefined;
  /** An incident on the volume that has just succeeded. */
  succeeded?: string | undefined;
  /** The version the proposal's finding was found in still runs on a workload that writes the volume. */
  stillDeployed: boolean;
}

/**
 * Whether a proposal is withdrawn (journaled as aborted, nothing having run): a second proposal for
 * the same volume from one report — one restore covers them, and the chosen point is clean of every
 * finding at the threshold, not only of the one it was planned for — and, once an incident on the
 * volume has succeeded, a proposal whose version is no longer deployed (approving it would restore
 * a volume that is already clean). A proposal whose version still runs stays: it still needs a person.
 */
export function decideWithdraw(i: WithdrawInput): { withdraw: boolean; reason: string; message: string } {
  if (i.keptForUpload && i.keptForUpload !== i.proposal.id)
    return { withdraw: true, reason: 'same-upload', message: `withdrawn: incident ${i.keptForUpload} was proposed for volume ${i.proposal.volume} by the same upload; one restore covers both` };
  if (i.succeeded && i.succeeded !== i.proposal.id && !i.stillDeployed)
    return { withdraw: true, reason: 'resolved', message: `withdrawn: incident ${i.succeeded} restored volume ${i.proposal.volume} and the version with finding ${i.proposal.findingId ?? '?'} is no longer deployed` };
  return { withdraw: false, reason: 'keep', message: `incident ${i.proposal.id} stays proposed` };
}
