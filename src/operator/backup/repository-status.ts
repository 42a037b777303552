/**
 * The Ready condition of a BackupRepository, as the backup controller finds it when a policy uses
 * it (the Secret exists and holds the password key). Written only when it changes, since many
 * policies may share one repository. The repository itself is not opened here: that happens in the
 * data mover, whose failures land on the policy.
 */
import { call, mergePatch } from '../../platform/kubernetes/index.js';
import { GROUP, VERSION, type Condition } from '../api/index.js';
import type { CustomObject, OperatorContext } from '../context.js';
import { setCondition, sameConditions } from '../runtime/conditions.js';

export async function reportRepository(ctx: OperatorContext, repo: CustomObject, ready: boolean, reason: string, message: string): Promise<void> {
  const old = (repo.status as { conditions?: Condition[] } | undefined)?.conditions;
  const next = setCondition(old, { type: 'Ready', status: ready ? 'True' : 'False', reason, message }, ctx.clock.now(), repo.metadata?.generation);
  if (sameConditions(old, next)) return;
  const { namespace, name } = repo.metadata as { namespace: string; name: string };
  await call(`write status of BackupRepository ${namespace}/${name}`, () =>
    ctx.apis.custom.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, namespace, plural: 'backuprepositories', name, body: { status: { conditions: next, observedGeneration: repo.metadata?.generation } } },
      mergePatch,
    ),
  );
  // The cache catches up through the watch; until then, remember what we wrote.
  repo.status = { ...(repo.status ?? {}), conditions: next };
}
