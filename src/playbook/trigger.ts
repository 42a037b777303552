/**
 * When a new finding becomes an incident. Pure: "a new open finding at or above the policy's
 * threshold, in a version that is deployed now on a workload that writes a volume" gives an
 * incident *proposal* per such volume (a planned run awaiting approval); it runs by itself only
 * where the policy says auto-run, for that severity and volume. Everything else is no incident,
 * with the reason. Called where SARIF is ingested; the caller creates the proposal.
 */
import { atLeast, type Severity } from '../sast/index.js';

export interface TriggerPolicy {
  /** Findings at or above this propose an incident (the config's sast.blockAt). */
  threshold: Severity;
  /** Auto-run without approval: off unless enabled, and only at or above `atOrAbove`, only for `volumes` when given. */
  autoRun?: { enabled: boolean; atOrAbove?: Severity; volumes?: readonly string[] } | undefined;
}

export interface TriggerInput {
  finding: { id: string; severity: Severity; state: string; isNew: boolean };
  /** Deployments of the version the finding was found in. */
  deployments: readonly { workload: string; running: boolean; volumes: readonly string[] }[];
  /** Volumes that already have a running or failed incident. */
  activeIncidentVolumes: readonly string[];
  policy: TriggerPolicy;
}

export type TriggerReason = 'not-new' | 'not-open' | 'below-threshold' | 'not-deployed' | 'no-volume' | 'incident-active' | 'proposed' | 'auto-run';

export interface TriggerDecision {
  action: 'none' | 'propose' | 'auto-run';
  reason: TriggerReason;
  message: string;
  /** The volumes an incident is proposed (or run) for. */
  volumes: string[];
}

export function decideTrigger(i: TriggerInput): TriggerDecision {
  const f = `finding ${i.finding.id} (${i.finding.severity})`;
  const none = (reason: TriggerReason, message: string): TriggerDecision => ({ action: 'none', reason, message, volumes: [] });
  if (!i.finding.isNew) return none('not-new', `${f} was seen before: its incident, if any, was decided then`);
  if (i.finding.state !== 'open') return none('not-open', `${f} is ${i.finding.state}, not open`);
  if (!atLeast(i.finding.severity, i.policy.threshold)) return none('below-threshold', `${f} is below the incident threshold ${i.policy.threshold}`);
  const running = i.deployments.filter((d) => d.running);
  if (running.length === 0) return none('not-deployed', `${f}: the version it is in is not deployed now`);
  const volumes = [...new Set(running.flatMap((d) => d.volumes))].sort();
  if (volumes.length === 0) return none('no-volume', `${f}: deployed on ${running.map((d) => d.workload).join(', ')}, which write no volume: nothing to restore`);
  const active = new Set(i.activeIncidentVolumes);
  const open = volumes.filter((v) => !active.has(v));
  if (open.length === 0) return none('incident-active', `${f}: every affected volume (${volumes.join(', ')}) already has an active incident`);
  const auto = i.policy.autoRun;
  const autoOk = auto?.enabled === true && atLeast(i.finding.severity, auto.atOrAbove ?? 'critical') && (!auto.volumes || open.every((v) => auto.volumes!.includes(v)));
  if (autoOk) return { action: 'auto-run', reason: 'auto-run', message: `${f} is deployed and the policy auto-runs incidents for it: restoring ${open.join(', ')}`, volumes: open };
  return { action: 'propose', reason: 'proposed', message: `${f} is deployed on ${running.map((d) => d.workload).join(', ')}: incident proposed for ${open.join(', ')}, awaiting approval`, volumes: open };
}
