/**
 * BackupPolicy: which PVCs to back up (namespaces and labels), when (cron), how (direct mount or a
 * CSI VolumeSnapshot clone, with pre/post hooks in the pods that mount the volume), and how long to
 * keep the results (GFS retention, the same rule set `holdfast forget` applies).
 */
import { z } from 'zod';
import { retentionSchema } from '../../policy/retention.js';
import { signalThresholdsSchema } from '../../policy/signal-thresholds.js';
import { baseStatus, dnsLabel, objectName } from './common.js';
import { dataMoverSchema } from './data-mover.js';

export const hookSchema = z
  .object({
    name: z.string().min(1).max(63),
    /** Container to exec in; the pod's first container when omitted. */
    container: z.string().optional(),
    command: z.array(z.string()).min(1),
    timeoutSeconds: z.number().int().positive().max(3600).default(30),
    /** Fail: a failed pre hook skips the backup of that PVC. Continue: back up anyway, record it. */
    onError: z.enum(['Fail', 'Continue']).default('Fail'),
  })
  .strict();

export const backupPolicySpecSchema = z
  .object({
    /** Name of a BackupRepository in the policy's namespace. */
    repository: objectName,
    selector: z
      .object({
        /** Namespaces to look in; the policy's own namespace when empty. */
        namespaces: z.array(dnsLabel).optional(),
        matchLabels: z.record(z.string()).optional(),
      })
      .strict()
      .default({}),
    /** Cron expression (5 fields, UTC), e.g. "0 3 * * *". Checked by the operator (condition InvalidSchedule). */
    schedule: z.string().min(1),
    suspend: z.boolean().default(false),
    retention: retentionSchema.optional(),
    hooks: z
      .object({ pre: z.array(hookSchema).optional(), post: z.array(hookSchema).optional() })
      .strict()
      .optional(),
    snapshot: z
      .object({
        /** Direct: the data mover mounts the live PVC. Snapshot: it mounts a clone of a CSI VolumeSnapshot. */
        mode: z.enum(['Direct', 'Snapshot']).default('Direct'),
        volumeSnapshotClassName: objectName.optional(),
        /** Storage class of the clone; the source PVC's when omitted. */
        storageClassName: objectName.optional(),
      })
      .strict()
      .default({}),
    verification: z
      .object({
        /** Restore a sample of each new restore point into a scratch volume and compare. */
        enabled: z.boolean().default(false),
        sampleFiles: z.number().int().positive().max(100000).default(100),
      })
      .strict()
      .optional(),
    tags: z.array(z.string().min(1)).optional(),
    /**
     * Fail a PVC's backup (no RestorePoint) at the first file or directory the data mover cannot
     * read, as `holdfast backup --fail-on-unreadable` does; by default such entries are skipped and
     * listed in the snapshot's summary.
     */
    failOnUnreadable: z.boolean().optional(),
    /**
     * Ransomware-signal thresholds, as a local policy's changeSignals (docs/ransomware-signals.md):
     * passed to the data mover (`holdfast backup --change-signals`); unset, the engine's defaults.
     */
    changeSignals: signalThresholdsSchema.removeDefault().optional(),
    /** Security settings of the data-mover Jobs (backups, and restores of its points unless the Restore sets its own). */
    dataMover: dataMoverSchema.optional(),
  })
  .strict();

export const backupPolicyStatusSchema = z
  .object({
    ...baseStatus,
    selectedPVCs: z.number().int().nonnegative().optional(),
    lastScheduleTime: z.string().datetime().optional(),
    /** The run in progress: one per schedule slot or manual trigger. */
    currentRun: z
      .object({
        id: z.string(),
        startedAt: z.string().datetime(),
        trigger: z.string(),
        /** PVCs ("namespace/name") that failed in this run, with why: final for the run, never retried in a loop. */
        failed: z
          .array(z.object({ pvc: z.string(), reason: z.string(), message: z.string() }).strict())
          .max(1000)
          .optional(),
      })
      .strict()
      .optional(),
    lastRun: z
      .object({
        id: z.string(),
        startedAt: z.string().datetime(),
        finishedAt: z.string().datetime(),
        succeeded: z.number().int().nonnegative(),
        failed: z.number().int().nonnegative(),
      })
      .strict()
      .optional(),
    /** Trigger annotation value already acted upon, so a manual trigger runs once. */
    handledTrigger: z.string().optional(),
  })
  .strict();

export type BackupPolicySpec = z.infer<typeof backupPolicySpecSchema>;
export type BackupPolicyStatus = z.infer<typeof backupPolicyStatusSchema>;
export type Hook = z.infer<typeof hookSchema>;
