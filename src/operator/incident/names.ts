/**
 * Names of what an Incident creates, derived from its uid (and the step's attempt, which only a
 * retry of a Failed Incident increases), so a reconcile after a crash (or a new leader) finds the
 * objects it made before and never makes a second one.
 */
import { createHash } from 'node:crypto';
import type { ItemRef } from '../backup/objects.js';

export const INCIDENT_LABEL = 'holdfast.dev/incident';
export const INCIDENT_NAMESPACE_LABEL = 'holdfast.dev/incident-namespace';
export const INCIDENT_UID_LABEL = 'holdfast.dev/incident-uid';
/** On RestorePoints of incident evidence: never a candidate for a restore-point choice. */
export const EVIDENCE_LABEL = 'holdfast.dev/evidence';

export interface IncidentRef {
  namespace: string;
  name: string;
  uid: string;
}

const short = (uid: string) => createHash('sha256').update(uid).digest('hex').slice(0, 8);
/** A retried step makes new objects (the failed ones stay as the record): attempt 1 has no suffix. */
const again = (attempt: number) => (attempt > 1 ? `-${attempt}` : '');
const stem = (s: string, n: number) => s.replace(/[^a-z0-9-]/g, '-').slice(0, n).replace(/-+$/, '');

export const incidentNames = {
  /** The evidence backup as one backup item: the backup code's Job and RestorePoint names follow from it. */
  evidenceItem: (i: IncidentRef, repositoryNamespace: string, pvc: string, attempt = 1): ItemRef => ({
    policyNamespace: repositoryNamespace,
    policy: `incident-${stem(i.name, 40)}`,
    runId: `evidence-${short(i.uid)}${again(attempt)}`,
    namespace: i.namespace,
    pvc,
  }),
  restore: (i: IncidentRef, attempt = 1) => `${stem(i.name, 40)}-restore-${short(i.uid)}${again(attempt)}`,
  report: (i: IncidentRef) => `${stem(i.name, 240)}-report`,
  /** The value of holdfast.dev/reissue on each affected CertificatePolicy. */
  reissue: (i: IncidentRef) => `${stem(i.name, 40)}-${short(i.uid)}`,
};

export function incidentLabels(i: IncidentRef): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': 'holdfast', [INCIDENT_LABEL]: stem(i.name, 63), [INCIDENT_NAMESPACE_LABEL]: i.namespace, [INCIDENT_UID_LABEL]: i.uid };
}
