/**
 * The next step for one PVC in a run, decided from what exists in the cluster (level-triggered: the
 * objects are the state, so a restarted or newly elected operator picks up exactly where the last one
 * stopped, and repeating a step is harmless because every object has a deterministic name).
 *
 *   Direct:   Capture (pre hooks, Job) → WaitJob → PostHooks → Record → Cleanup → Done
 *   Snapshot: Capture (pre hooks, VolumeSnapshot, post hooks) → WaitSnapshot → Clone → StartJob
 *             → WaitJob → Record → Cleanup (clone, VolumeSnapshot) → Done
 *   Either, while an Incident holds the PVC and nothing was begun: Paused (settled for the run, not a failure)
 */
export interface ItemObservation {
  mode: 'Direct' | 'Snapshot';
  /** A RestorePoint for this run and PVC exists. */
  restorePoint: boolean;
  /** A failure already recorded in the policy status for this run and PVC. */
  failed?: string;
  snapshot?: { ready: boolean; error?: string };
  clone: boolean;
  /** failedAttempts: pods of the Job that failed (killed, evicted); the Job controller retries them up to backoffLimit. */
  job?: { state: 'Running' | 'Succeeded' | 'Failed'; message?: string; postHooksPending: boolean; failedAttempts?: number };
  /** An Incident holds the PVC (incident-hold.ts): why. Only a backup not yet begun pauses; one in flight finishes. */
  heldBy?: string;
}

export type ItemAction =
  | 'Capture'
  | 'WaitSnapshot'
  | 'Clone'
  | 'StartJob'
  | 'WaitJob'
  | 'PostHooks'
  | 'Record'
  | 'Fail'
  | 'Cleanup'
  | 'Paused'
  | 'Done';

export interface ItemStep {
  action: ItemAction;
  reason: string;
  message: string;
}

export function nextStep(o: ItemObservation): ItemStep {
  const leftovers = o.clone || (o.mode === 'Snapshot' && o.snapshot !== undefined);
  if (o.restorePoint) {
    if (leftovers || o.job) return { action: 'Cleanup', reason: 'Recorded', message: 'restore point recorded: remove the Job, clone and VolumeSnapshot' };
    return { action: 'Done', reason: 'Succeeded', message: 'restore point recorded' };
  }
  if (o.failed !== undefined) {
    if (leftovers) return { action: 'Cleanup', reason: 'Failed', message: `failed (${o.failed}): remove the clone and VolumeSnapshot` };
    return { action: 'Done', reason: 'Failed', message: o.failed };
  }
  // Begun already (a Job, or a VolumeSnapshot taken before the hold): finish it, or its objects leak.
  if (o.heldBy !== undefined && !o.job && !o.snapshot && !o.clone) return { action: 'Paused', reason: 'IncidentActive', message: o.heldBy };
  if (o.job) {
    const failedAttempts = o.job.failedAttempts ?? 0;
    if (o.job.state === 'Running' && failedAttempts > 0)
      return { action: 'WaitJob', reason: 'JobRetrying', message: `the data mover Job is running attempt ${failedAttempts + 1}: ${failedAttempts} failed (pod killed or evicted); the packs it uploaded are reused` };
    if (o.job.state === 'Running') return { action: 'WaitJob', reason: 'JobRunning', message: 'the data mover Job is running' };
    if (o.job.postHooksPending) return { action: 'PostHooks', reason: 'JobFinished', message: 'the Job finished: run the post hooks' };
    if (o.job.state === 'Succeeded') return { action: 'Record', reason: 'JobSucceeded', message: 'the Job succeeded: record the restore point' };
    return { action: 'Fail', reason: 'JobFailed', message: `the data mover Job failed${o.job.message ? `: ${o.job.message}` : ''}` };
  }
  if (o.mode === 'Direct') return { action: 'Capture', reason: 'NotStarted', message: 'run the pre hooks and start the data mover Job' };
  if (!o.snapshot) return { action: 'Capture', reason: 'NotStarted', message: 'run the hooks around a new VolumeSnapshot' };
  if (o.snapshot.error) return { action: 'Fail', reason: 'SnapshotFailed', message: `the VolumeSnapshot failed: ${o.snapshot.error}` };
  if (!o.snapshot.ready) return { action: 'WaitSnapshot', reason: 'SnapshotNotReady', message: 'waiting for the VolumeSnapshot to be readyToUse' };
  if (!o.clone) return { action: 'Clone', reason: 'SnapshotReady', message: 'create a PVC from the VolumeSnapshot' };
  return { action: 'StartJob', reason: 'CloneCreated', message: 'start the data mover Job on the clone' };
}
