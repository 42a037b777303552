/**
 * sast: SARIF reports from any scanner, turned into findings per version.
 *
 * Terms
 * - report: one SARIF 2.1.0 log; it may hold several runs (one per tool or category).
 * - envelope: what the caller knows about a report (repository, commit, ref, image digests,
 *   category, scan time); a run's own versionControlProvenance / automationDetails must agree.
 * - scan: one run recorded for a version; its status is complete, failed (executionSuccessful:
 *   false) or unknown (no results array, or results we could not read). Only complete scans
 *   prove a finding absent.
 * - identity: tool + rule + path + the first trustworthy of fingerprint, logical location,
 *   snippet hash, message hash. Never a line number, so findings survive code moving.
 * - finding: one identity followed along a stream (repository, ref, tool, category), with state
 *   open / fixed / dismissed / suppressed, first and last seen commits, and an SLA deadline.
 * - verdict: clean / vulnerable / unknown for a version and a target (a finding, or a severity).
 */
export { ingestReport, ingestBytes, type IngestOptions, type IngestSummary, type IngestedScan } from './ingest.js';
export { idsAtOrAbove } from './kept-new.js';
export { offThreadIngester, defaultIngestDeadlineMs, type OffThreadIngester, type OffThreadOptions } from './off-thread.js';
export { readReport, readReportFile, HandedReport, defaultMaxReportBytes, type ReportSource } from './read-report.js';
export { envelopeSchema, sameRepository, type Envelope, type EnvelopeInput } from './envelope.js';
export { normaliseRun, type NormalisedRun, type NormalisedResult, type RunStatus } from './normalise.js';
export { parseSarif } from './parse.js';
export { computeIdentities, type IdentityInput, type Identity, type IdentityBasis } from './identity.js';
export { severities, isSeverity, atLeast, compareSeverity, fromCvss, fromLevel, type Severity } from './severity.js';
export { decideVerdict, versionVerdict, versionEvidence, describeTarget, type Verdict, type VerdictKind, type VerdictTarget, type ScanEvidence } from './verdict.js';
export { severityPolicies, severitySources, type SeverityPolicy } from './severity-policy.js';
export { explainSeverity, type SeverityExplanation } from './severity-said.js';
export { dismissFinding, dismissReasons, type DismissReason } from './dismiss.js';
export { findingId } from './lifecycle.js';
export { replayReport, replayVersion, replayDismissal } from './replay.js';
