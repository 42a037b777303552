/**
 * Which workloads to roll after a certificate changed: those that mount the Secret and whose pod
 * template does not yet carry the current serial, at most `maxConcurrent` mid-rollout at once (a
 * rollout counts until its controller reports every replica updated and ready), so a bad
 * certificate cannot take every workload down together. Pure.
 */
export interface WorkloadView {
  /** "Deployment/web". */
  id: string;
  /** The serial in the pod template annotation, if any. */
  serial: string | undefined;
  complete: boolean;
}

export interface RolloutPlan {
  patch: string[];
  inFlight: string[];
  done: string[];
  waiting: string[];
  reason: 'Complete' | 'Rolling' | 'BudgetExhausted' | 'NothingToRoll';
  message: string;
}

export function planRollout(workloads: readonly WorkloadView[], serial: string, maxConcurrent: number): RolloutPlan {
  const sorted = [...workloads].sort((a, b) => a.id.localeCompare(b.id));
  const done = sorted.filter((w) => w.serial === serial && w.complete).map((w) => w.id);
  const inFlight = sorted.filter((w) => w.serial === serial && !w.complete).map((w) => w.id);
  const stale = sorted.filter((w) => w.serial !== serial).map((w) => w.id);
  const room = Math.max(0, maxConcurrent - inFlight.length);
  const patch = stale.slice(0, room);
  const waiting = stale.slice(room);
  if (workloads.length === 0) return { patch, inFlight, done, waiting, reason: 'NothingToRoll', message: 'no workload mounts the Secret' };
  if (stale.length === 0 && inFlight.length === 0)
    return { patch, inFlight, done, waiting, reason: 'Complete', message: `${done.length} workload(s) run the current certificate` };
  if (patch.length === 0)
    return { patch, inFlight, done, waiting, reason: 'BudgetExhausted', message: `${inFlight.length} rollout(s) in flight (max ${maxConcurrent}); ${waiting.length} waiting` };
  return { patch, inFlight, done, waiting, reason: 'Rolling', message: `rolling ${patch.join(', ')}; ${waiting.length} waiting` };
}
