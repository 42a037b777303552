/**
 * RestorePoint: the cluster's mirror of one snapshot in a repository, with its provenance (the pods
 * that mounted the volume and their image digests). Created by the operator when a data mover Job
 * succeeds; the repository stays the source of truth, so RestorePoints can be rebuilt from it.
 */
import { z } from 'zod';
import { provenanceSchema } from '../../backup/snapshot/provenance.js';
import { suspicionSchema } from '../../backup/snapshot/signals.js';
import { baseStatus, dnsLabel, objectName } from './common.js';

export const restorePointSpecSchema = z
  .object({
    repository: objectName,
    policy: objectName.optional(),
    pvc: z.object({ namespace: dnsLabel, name: objectName }).strict(),
    runId: z.string().optional(),
  })
  .strict();

export const restorePointStatusSchema = z
  .object({
    ...baseStatus,
    snapshotId: z.string().min(1).optional(),
    time: z.string().datetime().optional(),
    provenance: provenanceSchema.optional(),
    /** Whether the repository copy was restored and compared (BackupPolicy verification). */
    verified: z.boolean().optional(),
    /** The backup's ransomware signals judged against the volume's history (docs/ransomware-signals.md). */
    suspicion: suspicionSchema.optional(),
  })
  .strict();

export type RestorePointSpec = z.infer<typeof restorePointSpecSchema>;
export type RestorePointStatus = z.infer<typeof restorePointStatusSchema>;
