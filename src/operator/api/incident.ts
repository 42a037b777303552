/**
 * Incident: one run of a playbook against one PVC on Kubernetes — restore the last restore point
 * taken before a vulnerable version went live, keep the current state as evidence, restart on the
 * known-good version, reissue the affected certificates with new keys, verify, and report. The
 * operator plans it at once (nothing changes), waits for `spec.approved`, then drives the same
 * playbook engine as `holdfast incident run`, journaling each step in `status.steps`. A Failed
 * Incident resumes from its failed step when the annotation `holdfast.dev/retry` gets a new value
 * (after the cause is fixed), as `holdfast incident resume` does.
 */
import { z } from 'zod';
import { baseStatus, objectName } from './common.js';

/**
 * Put on an Incident when it first changes the cluster, taken off once nothing is left to undo
 * (Succeeded, Aborted, or the undo of a deletion done). While it is there the Incident holds its
 * PVC: the backup controller starts no policy backup of it (backup/incident-hold.ts).
 */
export const INCIDENT_FINALIZER = 'holdfast.dev/incident';

const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'an image digest is sha256:<64 hex digits>');
const stepId = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/);

export const incidentSpecSchema = z
  .object({
    /** The PVC to recover, in the Incident's namespace. */
    pvc: objectName,
    /** What the SAST side judged vulnerable: the image digests, and the finding for the record. */
    vulnerable: z
      .object({
        imageDigests: z.array(digest).min(1).max(100),
        finding: z
          .object({ id: z.string().min(1), ruleId: z.string().min(1), severity: z.string().min(1), message: z.string().max(1000) })
          .strict()
          .optional(),
      })
      .strict(),
    /** Digests judged clean (scanned without findings at or above the threshold). */
    clean: z.object({ imageDigests: z.array(digest).max(100).default([]) }).strict().optional(),
    /** Refuse: a restore point whose versions are unknown stops the choice (fail closed). Skip: step over it. */
    onUnknown: z.enum(['Refuse', 'Skip']).default('Refuse'),
    /** Consider restore points whose backup was marked suspicious (ransomware signals), and those after them. */
    allowSuspicious: z.boolean().default(false),
    /** Image to restart on (pinned by digest, "repo@sha256:...") for containers whose version the chosen restore point does not record. */
    knownGoodImage: z
      .string()
      .regex(/^[^\s@]+@sha256:[0-9a-f]{64}$/, 'knownGoodImage is pinned by digest: repo@sha256:<64 hex>')
      .optional(),
    /** CertificatePolicies to reissue; when omitted, those whose workloads or Secret the affected workloads use. */
    certificatePolicies: z.array(objectName).max(50).optional(),
    /** The approval gate: nothing in the cluster changes until this is true. */
    approved: z.boolean().default(false),
    /** Stop the run and undo what can be undone (status.abort says what was and what cannot be). */
    abort: z.boolean().default(false),
    playbook: z.string().min(1).default('restore-secure-and-rotate'),
  })
  .strict();

const versionSchema = z.object({ workload: z.string(), container: z.string().optional(), image: z.string().optional(), imageDigest: z.string().optional(), imageRef: z.string().optional() }).strict();

export const incidentStepStatusSchema = z
  .object({
    name: stepId,
    uses: z.string(),
    phase: z.enum(['Pending', 'Running', 'Completed', 'Failed']),
    attempts: z.number().int().nonnegative(),
    startedAt: z.string().datetime().optional(),
    completedAt: z.string().datetime().optional(),
    message: z.string().max(2000).optional(),
    /** Small facts a step journals (names of what it created, counts); values are strings. */
    outputs: z.record(z.string().max(4000)).optional(),
  })
  .strict();

export const incidentStatusSchema = z
  .object({
    ...baseStatus,
    phase: z.enum(['Planning', 'AwaitingApproval', 'Running', 'Succeeded', 'Failed', 'Aborted']).optional(),
    startedAt: z.string().datetime().optional(),
    completedAt: z.string().datetime().optional(),
    plan: z
      .object({
        decision: z.enum(['chosen', 'refused']).optional(),
        /** The chosen RestorePoint ("namespace/name") and its snapshot. */
        restorePoint: z.string().optional(),
        snapshotId: z.string().optional(),
        restorePointTime: z.string().optional(),
        message: z.string().optional(),
        /** The reasoning of the choice, step by step (explainChoice). */
        reasoning: z.array(z.string()).max(200).optional(),
        exposedSince: z.string().optional(),
        workloads: z.array(z.string()).max(100).optional(),
        running: z.array(versionSchema).max(200).optional(),
        knownGood: z.array(versionSchema).max(200).optional(),
        certificatePolicies: z.array(z.string()).max(50).optional(),
        /** The spec the plan was made from (all but approved and abort): a change before the run starts plans again. */
        specHash: z.string().optional(),
      })
      .strict()
      .optional(),
    steps: z.array(incidentStepStatusSchema).max(50).optional(),
    /** The workloads as they were before quiesce: what restart scales back and replaces. */
    workloads: z
      .array(
        z
          .object({
            kind: z.enum(['Deployment', 'StatefulSet']),
            name: objectName,
            replicas: z.number().int().nonnegative(),
            containers: z.array(z.object({ name: z.string(), image: z.string() }).strict()),
          })
          .strict(),
      )
      .max(100)
      .optional(),
    evidence: z
      .object({
        job: z.string(),
        restorePoint: z.string().optional(),
        snapshotId: z.string().optional(),
        time: z.string().optional(),
      })
      .strict()
      .optional(),
    restore: z.object({ name: z.string(), phase: z.string().optional() }).strict().optional(),
    certificates: z
      .array(
        z
          .object({
            policy: objectName,
            secretName: objectName,
            reissue: z.string(),
            oldSerial: z.string().optional(),
            oldKeyId: z.string().optional(),
            newSerial: z.string().optional(),
            newKeyId: z.string().optional(),
          })
          .strict(),
      )
      .max(50)
      .optional(),
    report: z.object({ configMap: objectName }).strict().optional(),
    abort: z
      .object({
        undone: z.array(z.string()).max(50),
        notUndone: z.array(z.object({ step: z.string(), why: z.string() }).strict()).max(50),
      })
      .strict()
      .optional(),
    /** Value of the `holdfast.dev/retry` annotation already acted upon: a Failed Incident resumes once per new value. */
    handledRetry: z.string().optional(),
  })
  .strict();

export type IncidentSpec = z.infer<typeof incidentSpecSchema>;
export type IncidentStatus = z.infer<typeof incidentStatusSchema>;
export type IncidentStepStatus = z.infer<typeof incidentStepStatusSchema>;
export type RecordedWorkload = NonNullable<IncidentStatus['workloads']>[number];
export type CertificateRecord = NonNullable<IncidentStatus['certificates']>[number];
