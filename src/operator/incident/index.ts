/**
 * operator/incident: the Incident kind's controller. Terms:
 *
 * - Incident: one playbook run against one PVC (api/incident.ts); its status is the run's journal.
 * - Step kind: one kind of cluster work (steps/), called on every reconcile until done; a step
 *   that waits for the cluster (a Job, pods going away, a rollout) returns `waiting`.
 * - Approval gate: steps that change the cluster run only once spec.approved is true; the plan
 *   (assess, choose-restore-point) is shown before.
 * - Evidence: the data mover backup of the PVC before the restore, tagged incident-evidence.
 * - Finalizer (holdfast.dev/incident): on an Incident from its first change until nothing is left to
 *   undo; a deletion runs the abort's undo before it lets go. While on, the Incident holds its PVC
 *   (no policy backups of it: backup/incident-hold.ts).
 */
export { reconcileIncident, INCIDENT_PLURAL } from './controller.js';
export { kubePlaybook, kubeRestoreSecureAndRotate } from './playbook.js';
export { INCIDENT_LABEL, INCIDENT_NAMESPACE_LABEL } from './names.js';
