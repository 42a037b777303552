/**
 * operator/incident: the Incident kind's controller. Terms:
 *
 * - Incident: one playbook run against one PVC (api/incident.ts); its status is the run's journal.
 * - Step kind: one kind of cluster work (steps/), called on every reconcile until done; a step
 *   that waits for the cluster (a Job, pods going away, a rollout) returns `waiting`.
 * - Approval gate: steps that change the cluster run only once spec.approved is true; the plan
 *   (assess, choose-restore-point) is shown before.
 * - Evidence: the data mover backup of the PVC before the restore, tagged incident-evidence.
 */
export { reconcileIncident, INCIDENT_PLURAL } from './controller.js';
export { kubePlaybook, kubeRestoreSecureAndRotate } from './playbook.js';
export { INCIDENT_LABEL, INCIDENT_NAMESPACE_LABEL } from './names.js';
