/**
 * The control plane's decisions about incidents, pure so a table test covers each case:
 * - may an incident be approved (run in this process) now, and if not, why (approve → 409);
 * - does the config's `incidents.autoRun` approve a fresh proposal by itself;
 * - is a scheduled job skipped because an incident is running on its volume.
 * (Whether a proposal is withdrawn is src/playbook/withdraw.ts: the CLI's ingest applies it too.)
 * Each returns `{ reason, message }`; the caller acts on it.
 */
import { atLeast, type Severity } from '../../sast/index.js';

export interface ApproveInput {
  incident: { id: string; volume: string; status: string; runnerPid: number | undefined };
  /** This process is running it now (the runner pid would be ours, so the pid alone cannot tell). */
  runningHere: boolean;
  /** Another process named by runnerPid is alive. */
  runnerAlive: boolean;
  /** Another running or failed incident on the same volume, if any. */
  otherActive: { id: string; status: string } | undefined;
}

export type ApproveReason = 'approve' | 'continue' | 'finished' | 'running' | 'volume-busy';

export interface ApproveDecision {
  ok: boolean;
  reason: ApproveReason;
  message: string;
}

export function decideApprove(i: ApproveInput): ApproveDecision {
  const inc = `incident ${i.incident.id}`;
  const refuse = (reason: ApproveReason, message: string): ApproveDecision => ({ ok: false, reason, message });
  if (i.incident.status === 'succeeded' || i.incident.status === 'aborted')
    return refuse('finished', `approve ${inc}: it has already ${i.incident.status === 'succeeded' ? 'succeeded' : 'been aborted'}`);
  if (i.runningHere) return refuse('running', `approve ${inc}: it is running now in this server`);
  if (i.incident.status === 'running' && i.runnerAlive)
    return refuse('running', `approve ${inc}: process ${i.incident.runnerPid} is running it now`);
  if (i.otherActive && i.otherActive.id !== i.incident.id)
    return refuse('volume-busy', `approve ${inc}: incident ${i.otherActive.id} is ${i.otherActive.status} on volume ${i.incident.volume}; resume or abort it first`);
  if (i.incident.status === 'proposed') return { ok: true, reason: 'approve', message: `${inc} approved: running it` };
  // A failed run, or one whose process died: approving it continues it from its journal (as `incident resume`).
  return { ok: true, reason: 'continue', message: `${inc} was ${i.incident.status === 'failed' ? 'failed' : 'interrupted'}: continuing it from its journal` };
}

export interface AutoRunPolicy {
  enabled: boolean;
  atOrAbove: Severity;
  volumes?: readonly string[] | undefined;
}

/**
 * Whether a proposal is approved by the policy itself. Off unless enabled; only at or above
 * `atOrAbove`; only for the listed volumes when a list is given (an empty list auto-runs nothing).
 * The same rule as playbook/trigger.ts's auto-run, applied per volume: the server always proposes
 * first and then approves, so an auto-run takes the same path (and the same 409 guard) as a person.
 */
export function decideAutoRun(policy: AutoRunPolicy | undefined, severity: Severity, volume: string): { run: boolean; reason: string; message: string } {
  if (!policy?.enabled) return { run: false, reason: 'disabled', message: 'incidents.autoRun is off: awaiting approval' };
  if (!atLeast(severity, policy.atOrAbove))
    return { run: false, reason: 'below-auto-run', message: `a ${severity} finding is below incidents.autoRun.atOrAbove (${policy.atOrAbove}): awaiting approval` };
  if (policy.volumes && !policy.volumes.includes(volume))
    return { run: false, reason: 'volume-not-listed', message: `volume ${volume} is not in incidents.autoRun.volumes: awaiting approval` };
  return { run: true, reason: 'auto-run', message: `incidents.autoRun runs ${severity} findings on ${volume} without approval` };
}

export interface SkipInput {
  job: { id: string; kind: string };
  /** The running incident on the job's volume, if any. */
  incident: { id: string; runnerPid: number | undefined } | undefined;
  runnerAlive: boolean;
}

/**
 * A backup, verification or renewal of a volume (or of a certificate of a workload on it) is
 * skipped while an incident runs there: a backup would capture a half-restored directory (between
 * the swap's renames it is not even there), and a renewal would race the incident's own rotation.
 * An interrupted run (its process gone) skips them too: its volume is in whatever state the crash
 * left until someone resumes or aborts it.
 */
export function decideSkip(i: SkipInput): { skip: boolean; reason: string; message: string } {
  if (!i.incident) return { skip: false, reason: 'NoIncident', message: `${i.job.id}: no incident running` };
  const how = i.runnerAlive ? 'is running' : `was interrupted (process ${i.incident.runnerPid ?? '?'} is gone; resume or abort it)`;
  return { skip: true, reason: 'IncidentActive', message: `${i.job.id} skipped: incident ${i.incident.id} ${how}` };
}

/**
 * Whether serve starts a workload (or creates a volume directory) at start-up. Not while an
 * incident on one of its volumes is active (running, interrupted or failed): the incident stopped
 * it on purpose, its volume may be mid-swap (between the restore's renames the directory is not
 * there, and creating it would put an empty volume under the resume), and its resume or abort
 * starts it again. Serve adopting a workload that is running anyway is not a start.
 */
export function decideStart(o: { workload: string; volumes: readonly string[]; active: readonly { id: string; volume: string; status: string }[] }): { start: boolean; reason: string; message: string } {
  const held = o.active.find((a) => o.volumes.includes(a.volume));
  if (held)
    return { start: false, reason: 'IncidentActive', message: `workload ${o.workload}: not started: incident ${held.id} is ${held.status} on volume ${held.volume}; it starts it again when resumed (approve) or aborted` };
  return { start: true, reason: 'Start', message: `workload ${o.workload}: start` };
}
