/**
 * The data-mover settings a Job on behalf of a RestorePoint uses when nothing closer names any: those
 * of the BackupPolicy that recorded it, which reads the same volume with the same owners.
 */
import { backupPolicySpecSchema, type DataMoverSettings } from '../api/index.js';
import type { OperatorContext } from '../context.js';

export function policyDataMover(ctx: OperatorContext, namespace: string, policy: string | undefined): DataMoverSettings | undefined {
  if (!policy) return undefined;
  const spec = backupPolicySpecSchema.safeParse(ctx.caches.policies.get(policy, namespace)?.spec);
  return spec.success ? spec.data.dataMover : undefined;
}
