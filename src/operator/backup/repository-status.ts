/**
 * The Ready condition of a BackupRepository, as the backup controller finds it when a policy uses
 * it (the Secret exists and holds the password key). Written only when it changes, since many
 * policies may share one repository. The repository itself is not opened here: that happens in the
 * data mover, whose failures land on the policy.
 */
import { GROUP, VERSION, type Condition } from '../api/index.js';
import type { CustomObject, OperatorContext } from '../context.js';
import { setCondition, sameConditions } from '../runtime/conditions.js';
import { writeCondition } from '../runtime/status-condition.js';

export async function reportRepository(ctx: OperatorContext, repo: CustomObject, ready: boolean, reason: string, message: string): Promise<void> {
  const c = { type: 'Ready', status: ready ? ('True' as const) : ('False' as const), reason, message };
  const old = (repo.status as { conditions?: Condition[] } | undefined)?.conditions;
  // Checked against the cache first: every reconcile of every policy using the repository comes here.
  if (sameConditions(old, setCondition(old, c, ctx.clock.now(), repo.metadata?.generation))) return;
  const { namespace, name } = repo.metadata as { namespace: string; name: string };
  const written = await writeCondition(ctx, { group: GROUP, version: VERSION, plural: 'backuprepositories', kind: 'BackupRepository', namespace, name }, c);
  // The cache catches up through the watch; until then, remember what we wrote.
  if (written) repo.status = written;
}
