/**
 * The restore controller: one reconcile entry per Restore. It resolves the RestorePoint, plans the
 * target (planRestore), creates the new PVC if asked, and runs a data-mover Job
 * (`holdfast restore <snapshot> --target /data`) with the repository password from a secretKeyRef.
 * Progress is `status.phase` plus conditions and Events; a failed Job ends the Restore as Failed
 * (it is not retried: restoring twice over a half-written volume is the user's decision).
 */
import { createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { isHoldfastError } from '../../base/errors.js';
import { call, mergePatch, podsMountingClaim } from '../../platform/kubernetes/index.js';
import { API_VERSION, GROUP, VERSION, backupRepositorySpecSchema, restorePointSpecSchema, restoreSpecSchema } from '../api/index.js';
import type { OperatorContext } from '../context.js';
import type { ReconcileResult } from '../runtime/queue.js';
import { setCondition, type ConditionInput } from '../runtime/conditions.js';
import { jobState, names } from '../backup/objects.js';
import { policyDataMover } from '../datamover/policy-settings.js';
import { ensureRepositorySecret } from '../backup/secret.js';
import { restoreJob } from './job.js';
import { HOLDER_LABEL, nodePlacementProblem, placementOf, placeOnNode } from '../datamover/node-placement.js';
import { nodeTarget, removeHolder } from '../datamover/holder.js';
import { planRestore, RESTORE_LABEL } from './plan.js';

type RestoreStatus = { phase?: string; targetPVC?: { namespace: string; name: string }; conditions?: ReturnType<typeof setCondition>; observedGeneration?: number };

export async function reconcileRestore(ctx: OperatorContext, key: string): Promise<ReconcileResult> {
  const [namespace, name] = key.split('/') as [string, string];
  const obj = ctx.caches.restores.get(name, namespace);
  if (!obj || obj.metadata?.deletionTimestamp) return {};
  const now = ctx.clock.now();
  const status: RestoreStatus = { ...((obj.status ?? {}) as RestoreStatus) };
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return {};
  const before = JSON.stringify(status);
  const involved = { apiVersion: API_VERSION, kind: 'Restore', namespace, name, uid: obj.metadata!.uid! };
  const cond = (c: ConditionInput) => (status.conditions = setCondition(status.conditions, c, now, obj.metadata?.generation));
  const write = async () => {
    if (JSON.stringify(status) === before) return;
    await call(`write status of Restore ${key}`, () =>
      ctx.apis.custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace, plural: 'restores', name, body: { status } }, mergePatch),
    );
  };
  const blocked = async (reason: string, message: string): Promise<ReconcileResult> => {
    status.phase = 'Pending';
    const was = status.conditions?.find((c) => c.type === 'Ready');
    cond({ type: 'Ready', status: 'False', reason, message });
    if (was?.reason !== reason || was.message !== message) await ctx.events.record(involved, 'Warning', reason, message);
    await write();
    return { requeueAfterMs: 30_000 };
  };

  try {
    const spec = restoreSpecSchema.parse(obj.spec);
    const rp = ctx.caches.restorePoints.get(spec.restorePoint, namespace);
    const rpSpec = restorePointSpecSchema.safeParse(rp?.spec);
    const snapshotId = (rp?.status as { snapshotId?: string } | undefined)?.snapshotId;
    if (!rp || !rpSpec.success || !snapshotId) return blocked('RestorePointNotFound', `RestorePoint ${namespace}/${spec.restorePoint} does not exist or has no snapshot yet`);
    const repoObj = ctx.caches.repositories.get(rpSpec.data.repository, namespace);
    const repo = backupRepositorySpecSchema.safeParse(repoObj?.spec);
    if (!repo.success) return blocked('RepositoryNotFound', `BackupRepository ${namespace}/${rpSpec.data.repository} does not exist or is invalid`);

    const src = rpSpec.data.pvc;
    // The Restore's own settings, else those of the policy that recorded the point (same volume, same owner).
    const settings = spec.dataMover ?? policyDataMover(ctx, namespace, rpSpec.data.policy);
    const onNode = placementOf(settings) === 'Node';
    const placementProblem = onNode ? nodePlacementProblem({ snapshotMode: 'Direct', repositoryOnVolume: repo.data.volume !== undefined }) : undefined;
    if (placementProblem) return blocked('InvalidPlacement', placementProblem);
    const targetNs = spec.target.namespace ?? spec.namespaceMapping?.[src.namespace] ?? src.namespace;
    const targetName = spec.target.mode === 'InPlace' ? src.name : (spec.target.pvcName ?? '');
    const plan = planRestore({
      restoreName: name,
      spec,
      source: { namespace: src.namespace, pvc: src.name },
      ...(ctx.caches.pvcs.get(src.name, src.namespace) ? { sourcePvc: ctx.caches.pvcs.get(src.name, src.namespace)! } : {}),
      ...(ctx.caches.pvcs.get(targetName, targetNs) ? { existing: ctx.caches.pvcs.get(targetName, targetNs)! } : {}),
      // This Restore's own holder mounts the target by design; another's being deleted (an Incident's
      // evidence holder, say) is done with it.
      mountedBy: podsMountingClaim(ctx.caches.pods.list(targetNs), targetNs, targetName)
        .filter((p) => { const h = p.metadata?.labels?.[HOLDER_LABEL]; return h !== name && !(h && p.metadata?.deletionTimestamp); })
        .map((p) => `${targetNs}/${p.metadata!.name}`),
    });
    if (!plan.ok) return blocked(plan.reason, plan.message);
    const { target } = plan;
    status.targetPVC = { namespace: target.namespace, name: target.pvc };

    if (target.create && !ctx.caches.pvcs.get(target.pvc, target.namespace) && !ctx.recent.get('PersistentVolumeClaim', target.namespace, target.pvc)) {
      const body: k8s.V1PersistentVolumeClaim = {
        metadata: { name: target.pvc, namespace: target.namespace, labels: { [RESTORE_LABEL]: name, 'app.kubernetes.io/managed-by': 'holdfast' } },
        spec: { accessModes: ['ReadWriteOnce'], ...(target.create.storageClassName ? { storageClassName: target.create.storageClassName } : {}), resources: { requests: { storage: target.create.size } } },
      };
      await call(`create PVC ${target.namespace}/${target.pvc}`, () => ctx.apis.core.createNamespacedPersistentVolumeClaim({ namespace: target.namespace, body })).catch((e) => {
        if (!isHoldfastError(e, 'K8S_CONFLICT')) throw e;
      });
      ctx.recent.put('PersistentVolumeClaim', target.namespace, target.pvc, body);
    }

    // The data mover's namespace: the target's, or Holdfast's own for node placement.
    const jobNs = onNode ? ctx.settings.namespace : target.namespace;
    let secretName = repo.data.credentials.secretName;
    if (jobNs !== namespace) {
      const secret = await call(`read Secret ${namespace}/${secretName}`, () => ctx.apis.core.readNamespacedSecret({ namespace, name: secretName }));
      secretName = onNode ? names.nodeRepoSecret(namespace, rpSpec.data.repository) : names.repoSecret(rpSpec.data.repository);
      await ensureRepositorySecret(ctx, secret, jobNs, secretName);
    }

    const suffix = `${name.slice(0, 40).replace(/[^a-z0-9-]/g, '-')}-${createHash('sha256').update(`${namespace}/${name}/${obj.metadata!.uid}`).digest('hex').slice(0, 8)}`;
    const jobName = `hfr-${suffix}`;
    const holder = { namespace: target.namespace, name: `hfh-${suffix}` };
    const job = ctx.caches.jobs.get(jobName, jobNs) ?? ctx.recent.get<k8s.V1Job>('Job', jobNs, jobName);
    if (!job) {
      const namespaced = restoreJob({
        name: jobName, namespace: target.namespace, pvc: target.pvc, snapshot: snapshotId, repository: repo.data, secretName,
        image: ctx.settings.dataMoverImage, restore: name, mode: spec.target.mode, security: settings,
      });
      let body = namespaced;
      if (onNode) {
        const node = await nodeTarget(ctx, {
          holder, pvc: target.pvc, labels: { [RESTORE_LABEL]: name, [HOLDER_LABEL]: name },
          owner: namespace === target.namespace ? { kind: 'Restore', name, uid: obj.metadata!.uid! } : undefined,
        });
        if (node.state === 'waiting') {
          status.phase = 'Running';
          cond({ type: 'Ready', status: 'False', reason: 'WaitingForVolume', message: node.message });
          await write();
          return { requeueAfterMs: 5_000 };
        }
        if (node.state === 'failed') {
          await removeHolder(ctx, holder);
          status.phase = 'Failed';
          cond({ type: 'Ready', status: 'False', reason: node.reason, message: node.message });
          await ctx.events.record(involved, 'Warning', node.reason, node.message);
          await write();
          return {};
        }
        body = placeOnNode(namespaced, { namespace: jobNs, nodeName: node.nodeName, volumeDir: node.volumeDir, access: 'write', settings });
      }
      await call(`create Job ${jobName} in namespace ${jobNs}`, () => ctx.apis.batch.createNamespacedJob({ namespace: jobNs, body })).catch((e) => {
        if (!isHoldfastError(e, 'K8S_CONFLICT')) throw e;
      });
      ctx.recent.put('Job', jobNs, jobName, body);
      await ctx.events.record(involved, 'Normal', 'RestoreStarted', `restoring snapshot ${snapshotId} into ${target.namespace}/${target.pvc}`);
      status.phase = 'Running';
      cond({ type: 'Ready', status: 'False', reason: 'Running', message: plan.message });
    } else {
      const s = jobState(job);
      // The holder has served once the data mover is done with the volume, either way.
      if (onNode && s.state !== 'Running') await removeHolder(ctx, holder);
      if (s.state === 'Succeeded') {
        status.phase = 'Succeeded';
        cond({ type: 'Ready', status: 'True', reason: 'Restored', message: `snapshot ${snapshotId} restored into ${target.namespace}/${target.pvc}` });
        await ctx.events.record(involved, 'Normal', 'Restored', `snapshot ${snapshotId} restored into ${target.namespace}/${target.pvc}`);
      } else if (s.state === 'Failed') {
        status.phase = 'Failed';
        cond({ type: 'Ready', status: 'False', reason: 'JobFailed', message: `restore Job ${jobName} failed${s.message ? `: ${s.message}` : ''}` });
        await ctx.events.record(involved, 'Warning', 'JobFailed', `restore Job ${jobName} failed${s.message ? `: ${s.message}` : ''}`);
      } else status.phase = 'Running';
    }
    await write();
    return status.phase === 'Running' ? { requeueAfterMs: 15_000 } : {};
  } catch (e) {
    if (isHoldfastError(e) && e.kind === 'auth') return blocked('Forbidden', e.message);
    throw e;
  }
}
