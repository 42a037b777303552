/**
 * Restore: bring a RestorePoint back into a PVC: the same one (in place, workloads scaled down by the
 * user or a playbook) or a new one, optionally in another namespace or StorageClass.
 */
import { z } from 'zod';
import { baseStatus, dnsLabel, objectName } from './common.js';
import { dataMoverSchema } from './data-mover.js';

export const restoreSpecSchema = z
  .object({
    restorePoint: objectName,
    target: z
      .object({
        /** InPlace: overwrite the original PVC. NewPVC: create `pvcName` (required then). */
        mode: z.enum(['InPlace', 'NewPVC']).default('NewPVC'),
        pvcName: objectName.optional(),
        namespace: dnsLabel.optional(),
        storageClassName: objectName.optional(),
        size: z.string().regex(/^\d+(Ki|Mi|Gi|Ti)$/, 'size like 10Gi').optional(),
      })
      .strict(),
    /** Maps source namespaces to target namespaces when restoring many points at once. */
    namespaceMapping: z.record(dnsLabel).optional(),
    storageClassMapping: z.record(objectName).optional(),
    /** Security settings of the restore Job; the BackupPolicy's that recorded the point when omitted. */
    dataMover: dataMoverSchema.optional(),
  })
  .strict();

export const restoreStatusSchema = z
  .object({
    ...baseStatus,
    phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed']).optional(),
    targetPVC: z.object({ namespace: dnsLabel, name: objectName }).strict().optional(),
  })
  .strict();

export type RestoreSpec = z.infer<typeof restoreSpecSchema>;
