/**
 * The repository controller: one reconcile entry per BackupRepository. On an empty cluster (or any
 * cluster) it rebuilds the RestorePoints of the repository's namespace from the repository alone, as
 * Velero syncs Backups from its BackupStorageLocation: once when it first sees the BackupRepository,
 * and again when its spec changes or the `holdfast.dev/rebuild` annotation does. It reads the repository
 * (recovery/points.ts, as `holdfast catalog rebuild` does) before writing anything, so a wrong
 * password or an unreachable store writes no RestorePoint; then creates the ones missing
 * (repository/plan.ts) and reports the run in `status.rebuild` and the `Rebuilt` condition.
 *
 * A wrong password or a Secret without its keys is final for that request (fix the Secret, then
 * change the annotation, or the spec); a missing Secret or an unreachable store is retried with backoff.
 */
import type * as k8s from '@kubernetes/client-node';
import { isHoldfastError } from '../../base/errors.js';
import { call, mergePatch } from '../../platform/kubernetes/index.js';
import { restorePointsIn } from '../../recovery/index.js';
import { API_VERSION, backupRepositorySpecSchema, GROUP, VERSION, type Condition, type RepositoryRebuild } from '../api/index.js';
import type { CustomObject, OperatorContext } from '../context.js';
import type { ReconcileResult } from '../runtime/queue.js';
import { conditionOf, type ConditionInput } from '../runtime/conditions.js';
import { writeCondition } from '../runtime/status-condition.js';
import { openRepositoryOf, type OpenRepository } from './open.js';
import { planRestorePoints } from './plan.js';

export const REBUILD_ANNOTATION = 'holdfast.dev/rebuild';
/** The request a BackupRepository makes by existing, before anyone annotates it. */
export const FIRST_REQUEST = 'created';
const MISSING_SHOWN = 20;

interface RepositoryStatus {
  conditions?: Condition[];
  rebuild?: RepositoryRebuild;
}

/** The Rebuilt condition a finished run stands for: written with the run, and again if another writer dropped it. */
export function rebuiltCondition(r: RepositoryRebuild, location: string, failure?: { reason: string; message: string }): ConditionInput {
  if (r.outcome === 'Failed') return { type: 'Rebuilt', status: 'False', reason: failure?.reason ?? 'Failed', message: failure?.message ?? 'the last rebuild failed; nothing was written' };
  const parts = [`recreated ${r.recreated} RestorePoint(s) from ${r.snapshots} snapshot(s) in ${location}`, `${r.existing} already there`];
  if (r.otherNamespaces) parts.push(`${r.otherNamespaces} of BackupPolicies in other namespaces`);
  if (r.missing.length) parts.push(`${r.missing.length} missing or unusable, first: ${r.missing[0]}`);
  return { type: 'Rebuilt', status: r.outcome === 'Rebuilt' ? 'True' : 'False', reason: r.outcome, message: parts.join('; ') };
}

export async function reconcileBackupRepository(ctx: OperatorContext, key: string, open: OpenRepository = openRepositoryOf): Promise<ReconcileResult> {
  const [namespace, name] = key.split('/') as [string, string];
  const obj = ctx.caches.repositories.get(name, namespace);
  if (!obj || obj.metadata?.deletionTimestamp) return {};
  const request = obj.metadata?.annotations?.[REBUILD_ANNOTATION] ?? FIRST_REQUEST;
  const old = (obj.status ?? {}) as RepositoryStatus;
  const involved = { apiVersion: API_VERSION, kind: 'BackupRepository', namespace, name, uid: obj.metadata!.uid! };
  const ref = { group: GROUP, version: VERSION, plural: 'backuprepositories', kind: 'BackupRepository', namespace, name };
  // Beside the backup controller's Ready condition, never over it (runtime/status-condition.ts).
  const write = async (c: ConditionInput, rebuild?: RepositoryRebuild) => {
    const written = await writeCondition(ctx, ref, c, rebuild ? { rebuild } : undefined);
    if (written) obj.status = written;
  };

  const generation = obj.metadata?.generation ?? 0;
  if (old.rebuild?.request === request && (old.rebuild.generation ?? 0) === generation) {
    // Done; a writer working from an older copy may have dropped the condition: put back what the run said.
    if (!conditionOf(old.conditions, 'Rebuilt') && old.rebuild.outcome !== 'Failed') await write(rebuiltCondition(old.rebuild, String((obj.spec as { url?: unknown } | undefined)?.url ?? '')));
    return {};
  }
  const startedAt = ctx.clock.now().toISOString();
  const fail = async (reason: string, message: string, final: boolean) => {
    const rebuild: RepositoryRebuild = { request, generation, startedAt, finishedAt: ctx.clock.now().toISOString(), outcome: 'Failed', snapshots: 0, recreated: 0, existing: 0, otherNamespaces: 0, missing: [] };
    await write({ type: 'Rebuilt', status: 'False', reason, message }, final ? rebuild : undefined);
    await ctx.events.record(involved, 'Warning', reason, message);
  };

  const parsed = backupRepositorySpecSchema.safeParse(obj.spec);
  if (!parsed.success) {
    await fail('InvalidSpec', `spec: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, true);
    return {};
  }
  const spec = parsed.data;
  const secretName = spec.credentials.secretName;
  let secret: k8s.V1Secret;
  try {
    secret = await call(`read Secret ${namespace}/${secretName}`, () => ctx.apis.core.readNamespacedSecret({ namespace, name: secretName }));
  } catch (e) {
    if (!isHoldfastError(e, 'K8S_NOT_FOUND')) throw e;
    await fail('SecretMissing', `Secret ${namespace}/${secretName} does not exist; the rebuild waits for it`, false);
    throw e;
  }

  let points;
  try {
    const repo = await open(spec, secret);
    try {
      points = await restorePointsIn(repo);
    } finally {
      await repo.store.close?.();
    }
  } catch (e) {
    if (!isHoldfastError(e)) throw e;
    const final = e.kind === 'auth' || e.kind === 'invalid-input' || e.kind === 'not-found';
    await fail(e.code === 'WRONG_PASSWORD' ? 'WrongPassword' : final ? 'CannotOpen' : 'Unreachable', e.message.split('\n')[0]!, final);
    if (final) return {};
    throw e;
  }

  const live = (await call(`list RestorePoints in ${namespace}`, () =>
    ctx.apis.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'restorepoints' }),
  )) as { items: CustomObject[] };
  const existing = live.items.map((rp) => ({ name: rp.metadata!.name!, snapshotId: (rp.status as { snapshotId?: string } | undefined)?.snapshotId }));
  const plan = planRestorePoints(points.points, { namespace, name }, existing);
  const api = { group: GROUP, version: VERSION, plural: 'restorepoints', namespace };
  let recreated = 0;
  let already = plan.existing;
  for (const p of plan.create) {
    try {
      await call(`create RestorePoint ${namespace}/${p.name}`, () => ctx.apis.custom.createNamespacedCustomObject({ ...api, body: p.body }));
    } catch (e) {
      // Made a moment ago by the backup controller (the same name): it holds the same snapshot.
      if (!isHoldfastError(e, 'K8S_CONFLICT')) throw e;
      already++;
      continue;
    }
    const status = {
      ...p.status,
      conditions: [{ type: 'Ready', status: 'True', reason: 'Rebuilt', message: `snapshot ${p.status.snapshotId}, rebuilt from BackupRepository ${name}`, lastTransitionTime: ctx.clock.now().toISOString() }],
    };
    await call(`write status of RestorePoint ${namespace}/${p.name}`, () => ctx.apis.custom.patchNamespacedCustomObjectStatus({ ...api, name: p.name, body: { status } }, mergePatch));
    ctx.recent.put('RestorePoint', namespace, p.name, { ...p.body, status });
    recreated++;
  }
  const missing = [...points.damaged, ...plan.unusable];
  const rebuild: RepositoryRebuild = {
    request,
    generation,
    startedAt,
    finishedAt: ctx.clock.now().toISOString(),
    outcome: missing.length ? 'Incomplete' : 'Rebuilt',
    snapshots: points.read,
    recreated,
    existing: already,
    otherNamespaces: plan.otherNamespaces,
    missing: missing.slice(0, MISSING_SHOWN),
  };
  const c = rebuiltCondition({ ...rebuild, missing }, spec.url);
  await write(c, rebuild);
  await ctx.events.record(involved, missing.length ? 'Warning' : 'Normal', rebuild.outcome, c.message);
  ctx.log.info('rebuilt RestorePoints from the repository', { repository: key, recreated, existing: already, missing: missing.length });
  return {};
}
