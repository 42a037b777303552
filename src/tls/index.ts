/**
 * tls: Holdfast's private CA. Terms:
 *
 * - CA generation: a self-signed root and optionally an intermediate that issues leaves (ca.ts).
 * - Leaf: a workload's certificate; `tls.crt` = leaf + intermediates, never the root (issue.ts).
 * - Trust bundle: the roots a consumer trusts; two during a CA rotation, one otherwise.
 * - Certificate target: where a leaf and bundle are installed and how the workload reloads them;
 *   a port the platform implements (target.ts).
 * - Inventory: the certificate specs of a CA directory (inventory.ts); store.ts is the layout.
 * - Renewal: when (renewal.ts) and how many at once (budget.ts) — pure.
 * - Rotation: the resumable CA rotation (rotation-plan.ts, rotation.ts).
 * - Probe: a handshake that reads the served chain (probe.ts).
 *
 * This file is the only door: import from 'tls/index.js'.
 */
export {
  TlsEngine,
  type InitCaOptions,
  type RenewOptions,
  type RenewResult,
  type RevokeOptions,
  type RevokeResult,
} from './engine.js';
export type { EngineDeps, RotationHooks, StepPoint } from './context.js';
export { CaStore, type CaDirState, type IssuedRecord, type RevokedEntry } from './store.js';
export {
  parseSpec,
  parseInventory,
  parseDurationOrZero,
  type CertSpec,
  type CertSpecInput,
  type Inventory,
  type Endpoint,
} from './inventory.js';
export type { CertTarget, CertMaterial, InstalledMaterial, TargetFactory, TargetSpec } from './target.js';
export { createAuthority, checkAuthority, issuingOf, chainOf, newCaId, type CertAuthority } from './ca.js';
export {
  issueLeaf,
  leafKeyUsage,
  leafCommonName,
  commonNameConflict,
  commonNameIfSan,
  type IssuedLeaf,
  type LeafRequest,
  type Usage,
} from './issue.js';
// The cap is policy (one decision for every issuer); the TLS surface hands it on to its users.
export { lifetimeDecision, DEFAULT_MAX_LIFETIME_MS } from '../policy/certificate-lifetime.js';
export {
  KEY_ALGORITHMS,
  DEFAULT_KEY_ALGORITHM,
  parseKeyAlgorithm,
  generateKey,
  type KeyAlgorithm,
} from './keys.js';
export { parseSans, validateSans, type SanSet } from './sans.js';
export { renewalTime, renewalDecision, type RenewalDecision, type Installed } from './renewal.js';
export { budgetDecision, planRenewals, type Budget, type PlannedRenewal } from './budget.js';
export { probeEndpoint, compareServed, endpointName, clientName, type ProbeResult, type Prober } from './probe.js';
export { judgeServed, type ServedReason, type ServedVerdict } from './served.js';
export { certificateMetrics, METRIC_HELP, type MetricSample } from './metrics.js';
export { issuerOf, type CertStatus } from './status.js';
export { retireGateDecision, type RetireGateDecision, type ServingOld } from './retire-gate.js';
export {
  rotationSteps,
  remainingSteps,
  formatPlan,
  PHASES,
  type RotationState,
  type Phase,
  type Step,
} from './rotation-plan.js';
export { type RotationOptions, type RotationReport } from './rotation.js';
export { createCrl, crlNumberOf, nextCrlNumber } from './crl.js';
export { crlDue, refreshCrls } from './crl-refresh.js';
export { withCaLock } from './lock.js';
export { parseDuration } from './duration.js';
export { fingerprint, splitPem } from './pem.js';
export { TLS_ERRORS, type TlsErrorCode } from './errors.js';
