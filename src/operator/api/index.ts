/**
 * operator/api: Holdfast's custom resources (group holdfast.dev, version v1alpha1).
 *
 * Terms: a *kind* is one custom resource type; its *spec* is what users write, its *status* what the
 * operator observed and did (written only through the status subresource). The zod schemas here are
 * the single source: the CRD manifests in deploy/crds are generated from them (scripts/gen-crds.ts),
 * and the controllers parse what they read with them.
 */
import type { z } from 'zod';
import { backupPolicySpecSchema, backupPolicyStatusSchema } from './backup-policy.js';
import { backupRepositorySpecSchema, backupRepositoryStatusSchema } from './backup-repository.js';
import { certificatePolicyRules, certificatePolicySpecSchema, certificatePolicyStatusSchema } from './certificate-policy.js';
import { incidentSpecSchema, incidentStatusSchema } from './incident.js';
import { restorePointSpecSchema, restorePointStatusSchema } from './restore-point.js';
import { restoreSpecSchema, restoreStatusSchema } from './restore.js';
import type { SpecRule } from './spec-rules.js';

export * from './common.js';
export * from './data-mover.js';
export * from './backup-policy.js';
export * from './backup-repository.js';
export * from './certificate-policy.js';
export * from './incident.js';
export * from './restore-point.js';
export * from './restore.js';
export * from './spec-rules.js';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date' | 'boolean' | 'number';
  jsonPath: string;
  priority?: number;
  description?: string;
}

export interface KindInfo {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  spec: z.ZodTypeAny;
  status: z.ZodTypeAny;
  /** Cross-field rules of the spec, refused by the API server and by the controller alike. */
  rules?: readonly SpecRule<never>[];
  printerColumns: PrinterColumn[];
}

const ready = (what: string): PrinterColumn => ({
  name: 'Ready',
  type: 'string',
  jsonPath: `.status.conditions[?(@.type=="Ready")].status`,
  description: `Whether the ${what} is ready`,
});
const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const KINDS = {
  BackupRepository: {
    kind: 'BackupRepository',
    plural: 'backuprepositories',
    singular: 'backuprepository',
    shortNames: ['hfrepo'],
    spec: backupRepositorySpecSchema,
    status: backupRepositoryStatusSchema,
    printerColumns: [{ name: 'URL', type: 'string', jsonPath: '.spec.url' }, ready('repository'), age],
  },
  BackupPolicy: {
    kind: 'BackupPolicy',
    plural: 'backuppolicies',
    singular: 'backuppolicy',
    shortNames: ['hfpolicy'],
    spec: backupPolicySpecSchema,
    status: backupPolicyStatusSchema,
    printerColumns: [
      { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' },
      { name: 'PVCs', type: 'integer', jsonPath: '.status.selectedPVCs' },
      { name: 'Last Run', type: 'date', jsonPath: '.status.lastRun.finishedAt' },
      ready('policy'),
      age,
    ],
  },
  RestorePoint: {
    kind: 'RestorePoint',
    plural: 'restorepoints',
    singular: 'restorepoint',
    shortNames: ['hfrp'],
    spec: restorePointSpecSchema,
    status: restorePointStatusSchema,
    printerColumns: [
      { name: 'Namespace', type: 'string', jsonPath: '.spec.pvc.namespace' },
      { name: 'PVC', type: 'string', jsonPath: '.spec.pvc.name' },
      { name: 'Snapshot', type: 'string', jsonPath: '.status.snapshotId' },
      { name: 'Time', type: 'date', jsonPath: '.status.time' },
      age,
    ],
  },
  Restore: {
    kind: 'Restore',
    plural: 'restores',
    singular: 'restore',
    shortNames: ['hfrestore'],
    spec: restoreSpecSchema,
    status: restoreStatusSchema,
    printerColumns: [
      { name: 'Restore Point', type: 'string', jsonPath: '.spec.restorePoint' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      age,
    ],
  },
  CertificatePolicy: {
    kind: 'CertificatePolicy',
    plural: 'certificatepolicies',
    singular: 'certificatepolicy',
    shortNames: ['hfcert'],
    spec: certificatePolicySpecSchema,
    status: certificatePolicyStatusSchema,
    rules: certificatePolicyRules,
    printerColumns: [
      { name: 'Secret', type: 'string', jsonPath: '.spec.secretName' },
      // `string`, not `date`: kubectl prints a date column as an age, and a future expiry as <invalid>.
      { name: 'Not After', type: 'string', jsonPath: '.status.notAfter' },
      ready('certificate'),
      age,
    ],
  },
  Incident: {
    kind: 'Incident',
    plural: 'incidents',
    singular: 'incident',
    shortNames: ['hfincident'],
    spec: incidentSpecSchema,
    status: incidentStatusSchema,
    printerColumns: [
      { name: 'PVC', type: 'string', jsonPath: '.spec.pvc' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Restore Point', type: 'string', jsonPath: '.status.plan.restorePoint' },
      age,
    ],
  },
} as const satisfies Record<string, KindInfo>;

export type KindName = keyof typeof KINDS;
