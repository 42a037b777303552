/**
 * Backups pause for a PVC that an Incident holds. While an Incident runs on a PVC (its workloads
 * scaled down, its evidence being taken, the volume being restored) — or stopped Failed there and
 * was neither aborted nor deleted, so the volume may be half-restored — a policy backup of it would
 * record a state nobody chose as a RestorePoint, one a later restore-point choice could pick. The
 * Incident's own evidence Job is then the only backup of that PVC. The backup controller reads the
 * Incidents from its cache and never imports the Incident controller: they coordinate through the
 * Incident's status and its finalizer, as one controller per concern should. The decision is pure.
 */
import { INCIDENT_FINALIZER, type IncidentStatus } from '../api/index.js';
import type { CustomObject } from '../context.js';

export interface IncidentOnPvc {
  namespace: string;
  name: string;
  /** The PVC it works on, in its own namespace. */
  pvc: string;
  phase?: string | undefined;
  /** It changed the cluster and has not undone that (it carries the holdfast.dev/incident finalizer, or quiesce recorded the workloads). */
  changed: boolean;
}

export type HoldDecision =
  | { reason: 'IncidentActive'; incident: string; message: string }
  | { reason: 'NoIncident'; message: string };

/** Why an Incident in this state holds its PVC, or undefined when it does not. */
function holds(i: IncidentOnPvc): string | undefined {
  if (i.phase === 'Running') return 'is running on it';
  // A refusal (IncidentActive, NoCleanRestorePoint) fails before changing anything: nothing to protect.
  if (i.phase === 'Failed' && i.changed) return 'failed on it and was not aborted (the volume may be half-restored)';
  return undefined;
}

export function incidentHold(pvc: { namespace: string; name: string }, incidents: readonly IncidentOnPvc[]): HoldDecision {
  const holder = incidents
    .filter((i) => i.namespace === pvc.namespace && i.pvc === pvc.name && holds(i))
    .sort((a, b) => a.name.localeCompare(b.name))[0];
  if (!holder)
    return { reason: 'NoIncident', message: `no Incident holds PVC ${pvc.namespace}/${pvc.name}` };
  const incident = `${holder.namespace}/${holder.name}`;
  return {
    reason: 'IncidentActive',
    incident,
    message: `Incident ${incident} (${holder.phase}) ${holds(holder)}: no backup Job is started; its evidence Job is the only backup until it succeeds, is aborted or deleted`,
  };
}

/** An Incident object as the decision sees it. */
export function incidentOnPvc(i: CustomObject): IncidentOnPvc {
  const status = (i.status ?? {}) as IncidentStatus;
  return {
    namespace: i.metadata?.namespace ?? '',
    name: i.metadata?.name ?? '',
    pvc: String((i.spec as { pvc?: unknown } | undefined)?.pvc ?? ''),
    phase: status.phase,
    changed: (i.metadata?.finalizers ?? []).includes(INCIDENT_FINALIZER) || status.workloads !== undefined,
  };
}
