/**
 * operator: Holdfast on Kubernetes. Terms:
 *
 * - Kind: a custom resource type (api/): BackupRepository, BackupPolicy, RestorePoint, Restore,
 *   CertificatePolicy, Incident. CRD manifests are generated from their zod schemas (crd/).
 * - Controller: one reconcile entry per kind and concern (backup/controller.ts,
 *   tls/controller.ts, incident/controller.ts), reading watched caches and writing through the API; controllers never call
 *   each other and coordinate through objects and status.
 * - Run: one backup of every selected PVC of a policy, for one schedule slot or manual trigger.
 * - Item: one PVC in one run, advanced one step per reconcile (backup/step.ts).
 * - Leader: the one replica holding the Lease (leader/); the others keep caches warm.
 *
 * This file is the only door for callers outside operator/.
 */
export { startOperator, type OperatorHandle, type OperatorOptions } from './manager.js';
export { KINDS, GROUP, VERSION, API_VERSION, type KindName } from './api/index.js';
export { generateCrdFiles } from './crd/generate.js';
