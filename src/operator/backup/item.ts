/**
 * One PVC in one backup run: observe what exists (caches first), then carry out the single step
 * `nextStep` chose. Every write is idempotent: a 409 on create means an earlier attempt (ours or a
 * previous leader's) already did it.
 */
import type * as k8s from '@kubernetes/client-node';
import { provenanceSchema, type HookRun, type Provenance } from '../../backup/snapshot/provenance.js';
import { isHoldfastError } from '../../base/errors.js';
import { call, isNotFound, kubeError, mergePatch, mountingContainers, podsMountingClaim, workloadVersions } from '../../platform/kubernetes/index.js';
import { API_VERSION, GROUP, VERSION, type BackupPolicySpec, type BackupRepositorySpec } from '../api/index.js';
import { lookup, type CustomObject, type OperatorContext } from '../context.js';
import { bracket, runPhase, type PodRef } from './hooks.js';
import { A, clonePvc, dataMoverJob, jobState, labels, names, volumeSnapshot, type ItemRef } from './objects.js';
import { HOLDER_LABEL, placementOf, placeOnNode, volumeDirOnNode, volumePod, type NodePlacement } from '../datamover/node-placement.js';
import { finishedJobPods } from './job-pods.js';
import { nextStep, type ItemObservation, type ItemStep } from './step.js';
import { parseSummary, terminationMessage } from './summary.js';

export interface Item {
  ref: ItemRef;
  pvc: k8s.V1PersistentVolumeClaim;
  spec: BackupPolicySpec;
  repository: { name: string; spec: BackupRepositorySpec; secretName: string };
  failed?: string;
  /** An Incident holds the PVC (incident-hold.ts): why; a backup not yet begun pauses. */
  heldBy?: string;
}

export interface ItemOutcome {
  step: ItemStep;
  /** A failure to record in the run: final for this PVC in this run. */
  failure?: { reason: string; message: string };
}

const SNAP = { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots' };
const HOOKS_ANNOTATION = 'holdfast.dev/hooks';

/** What the RestorePoint says of a backup that needed more than one data-mover pod. */
const retried = (job: k8s.V1Job) => {
  const n = jobState(job).failedAttempts;
  return n > 0 ? ` (taken by attempt ${n + 1} of the data mover: ${n} failed)` : '';
};

const obsRestorePoint = (rp: CustomObject | undefined) => typeof (rp?.status as { snapshotId?: string } | undefined)?.snapshotId === 'string';

/** Where the item's data-mover Job runs: the PVC's namespace, or Holdfast's own for node placement. */
const jobNamespace = (ctx: OperatorContext, it: Item) => (placementOf(it.spec.dataMover) === 'Node' ? ctx.settings.namespace : it.ref.namespace);

function observe(ctx: OperatorContext, it: Item) {
  const { ref } = it;
  const rp = lookup(ctx, 'RestorePoint', ctx.caches.restorePoints, ref.policyNamespace, names.restorePoint(ref));
  const rawJob = lookup(ctx, 'Job', ctx.caches.jobs, jobNamespace(ctx, it), names.job(ref));
  const job = obsRestorePoint(rp) && rawJob?.metadata?.deletionTimestamp ? undefined : rawJob;
  // Objects already being deleted count as gone: a PVC keeps its pvc-protection finalizer until
  // no pod uses it, and waiting for that is the garbage collector's job, not the run's.
  const live = <T extends { metadata?: { deletionTimestamp?: unknown } }>(o: T | undefined) => (o?.metadata?.deletionTimestamp ? undefined : o);
  const vs = live(lookup(ctx, 'VolumeSnapshot', ctx.caches.snapshots, ref.namespace, names.snapshot(ref)));
  const clone = live(lookup(ctx, 'PersistentVolumeClaim', ctx.caches.pvcs, ref.namespace, names.clone(ref)));
  const vsStatus = (vs?.status ?? {}) as { readyToUse?: boolean; restoreSize?: string; error?: { message?: string } };
  const js = job ? jobState(job) : undefined;
  const obs: ItemObservation = {
    mode: it.spec.snapshot.mode,
    restorePoint: obsRestorePoint(rp),
    clone: clone !== undefined,
    ...(it.failed !== undefined ? { failed: it.failed } : {}),
    ...(it.heldBy !== undefined ? { heldBy: it.heldBy } : {}),
    ...(vs ? { snapshot: { ready: vsStatus.readyToUse === true, ...(vsStatus.error?.message ? { error: vsStatus.error.message } : {}) } } : {}),
    ...(job && js
      ? { job: { state: js.state, ...(js.message ? { message: js.message } : {}), postHooksPending: job.metadata?.annotations?.[A.postHooks] === 'pending', failedAttempts: js.failedAttempts } }
      : {}),
  };
  return { obs, rp, job, vs, vsStatus, clone };
}

function podRefs(pods: readonly k8s.V1Pod[]): PodRef[] {
  return pods.map((p) => ({ namespace: p.metadata!.namespace!, name: p.metadata!.name!, defaultContainer: p.spec?.containers?.[0]?.name ?? '' }));
}

function provenanceOf(ctx: OperatorContext, it: Item, pods: readonly k8s.V1Pod[], hooks: HookRun[]): Provenance {
  return provenanceSchema.parse({
    volume: `${it.ref.namespace}/${it.ref.pvc}`,
    workloads: workloadVersions(mountingContainers(pods)),
    hooks,
    labels: { policy: `${it.ref.policyNamespace}/${it.ref.policy}`, run: it.ref.runId, operator: ctx.settings.namespace },
  });
}

async function create(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await call(`create ${what}`, fn);
  } catch (e) {
    if (isHoldfastError(e, 'K8S_CONFLICT')) return; // already there: an earlier attempt made it
    throw e;
  }
}

async function remove(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!isNotFound(e)) throw kubeError(`delete ${what}`, e);
  }
}

/**
 * Where a node-placed data mover reads the PVC: the node and volume directory of a running pod that
 * mounts it (the application's; never a restore's holder, which holds another volume's future), or
 * why there is none. The PersistentVolume is read once per backup, when its Job is about to start.
 */
async function nodePlacement(ctx: OperatorContext, it: Item, mounted: readonly k8s.V1Pod[]): Promise<{ ok: true; placement: NodePlacement } | { ok: false; reason: string; message: string }> {
  const { ref } = it;
  const pod = volumePod(mounted.filter((p) => !p.metadata?.labels?.[HOLDER_LABEL]));
  if (!pod)
    return { ok: false, reason: 'NoVolumePod', message: `placement Node reads PVC ${ref.namespace}/${ref.pvc} through a running pod that mounts it, and none does: start the workload, or back it up with placement Namespace` };
  const pvName = it.pvc.spec?.volumeName;
  if (!pvName) return { ok: false, reason: 'UnsupportedVolume', message: `PVC ${ref.namespace}/${ref.pvc} is not bound to a PersistentVolume` };
  const pv = await call(`read PersistentVolume ${pvName}`, () => ctx.apis.core.readPersistentVolume({ name: pvName })).catch((e) => {
    if (isHoldfastError(e, 'K8S_NOT_FOUND')) return undefined;
    throw e;
  });
  if (!pv) return { ok: false, reason: 'UnsupportedVolume', message: `PersistentVolume ${pvName} of PVC ${ref.namespace}/${ref.pvc} does not exist` };
  const dir = volumeDirOnNode(pv, pod.uid, ctx.settings.kubeletDir);
  if (!dir.ok) return dir;
  return { ok: true, placement: { namespace: ctx.settings.namespace, nodeName: pod.nodeName, volumeDir: dir.value, access: 'read', settings: it.spec.dataMover } };
}

/** The Job for `claimName`; created once, remembered until the cache sees it. */
async function startJob(ctx: OperatorContext, it: Item, claimName: string, provenance: Provenance, postHooksPending: boolean, node?: NodePlacement) {
  const job = dataMoverJob({
    ref: it.ref,
    claimName,
    repository: it.repository,
    provenance,
    tags: [...(it.spec.tags ?? []), `policy=${it.ref.policy}`, `pvc=${it.ref.namespace}/${it.ref.pvc}`],
    image: ctx.settings.dataMoverImage,
    postHooksPending,
    security: it.spec.dataMover,
    failOnUnreadable: it.spec.failOnUnreadable,
    changeSignals: it.spec.changeSignals,
    ...(ctx.settings.dataMoverServiceAccount ? { serviceAccountName: ctx.settings.dataMoverServiceAccount } : {}),
  });
  const body = node ? placeOnNode(job, node) : job;
  const name = body.metadata!.name!;
  const namespace = body.metadata!.namespace!;
  await create(`Job ${name} in namespace ${namespace}`, () => ctx.apis.batch.createNamespacedJob({ namespace, body }));
  ctx.recent.put('Job', namespace, name, body);
}

export async function reconcileItem(ctx: OperatorContext, it: Item): Promise<ItemOutcome> {
  const { ref } = it;
  const { obs, job, vs, vsStatus, clone } = observe(ctx, it);
  const step = nextStep(obs);
  const hooks = { pre: it.spec.hooks?.pre ?? [], post: it.spec.hooks?.post ?? [] };
  const pods = () => podsMountingClaim(ctx.caches.pods.list(ref.namespace), ref.namespace, ref.pvc);
  const ns = ref.namespace;
  const jobNs = jobNamespace(ctx, it);

  switch (step.action) {
    case 'Capture': {
      const mounted = pods();
      const snapshot = it.spec.snapshot.mode === 'Snapshot';
      // Before the pre hooks: a backup that cannot start must not quiesce the application.
      const node = placementOf(it.spec.dataMover) === 'Node' ? await nodePlacement(ctx, it, mounted) : undefined;
      if (node && !node.ok) return { step, failure: { reason: node.reason, message: node.message } };
      const res = await bracket(hooks, podRefs(mounted), ctx.hooks, ctx.clock, async (pre) => {
        const provenance = provenanceOf(ctx, it, mounted, pre.runs);
        if (!snapshot) return startJob(ctx, it, ref.pvc, provenance, hooks.post.length > 0, node?.placement);
        const body = volumeSnapshot(ref, it.spec) as { metadata: { annotations?: Record<string, string> } };
        // The provenance is what mounted the volume when it was captured, not when the clone is read.
        body.metadata.annotations = { [A.provenance]: JSON.stringify(provenance) };
        const name = names.snapshot(ref);
        await create(`VolumeSnapshot ${name} in namespace ${ns}`, () => ctx.apis.custom.createNamespacedCustomObject({ ...SNAP, namespace: ns, body }));
        ctx.recent.put('VolumeSnapshot', ns, name, body);
      }, !snapshot);
      if (res.error) {
        const cause = res.error.cause;
        // API trouble is the policy's problem, not this PVC's: transient errors retry with backoff,
        // RBAC denials become the policy's Forbidden condition and retry slowly once fixed.
        if (isHoldfastError(cause) && (cause.kind === 'transient' || cause.kind === 'auth')) throw cause;
        return { step, failure: { reason: res.error.reason === 'HookFailed' ? 'HookFailed' : 'CaptureFailed', message: res.error.message } };
      }
      if (snapshot && res.post?.runs.length) {
        const name = names.snapshot(ref);
        await call(`annotate VolumeSnapshot ${name}`, () =>
          ctx.apis.custom.patchNamespacedCustomObject(
            { ...SNAP, namespace: ns, name, body: { metadata: { annotations: { [HOOKS_ANNOTATION]: JSON.stringify(res.post!.runs) } } } },
            mergePatch,
          ),
        ).catch((e) => ctx.log.warn('could not record post hook runs', { error: (e as Error).message }));
      }
      return { step };
    }
    case 'Clone': {
      const body = clonePvc(ref, it.spec, it.pvc, vsStatus.restoreSize);
      await create(`PVC ${body.metadata!.name} in namespace ${ns}`, () => ctx.apis.core.createNamespacedPersistentVolumeClaim({ namespace: ns, body }));
      ctx.recent.put('PersistentVolumeClaim', ns, body.metadata!.name!, body);
      return { step };
    }
    case 'StartJob': {
      const ann = vs?.metadata?.annotations ?? {};
      const prov = provenanceSchema.safeParse(JSON.parse(ann[A.provenance] ?? '{}'));
      const post = JSON.parse(ann[HOOKS_ANNOTATION] ?? '[]') as HookRun[];
      const provenance = prov.success ? { ...prov.data, hooks: [...prov.data.hooks, ...post] } : provenanceOf(ctx, it, pods(), []);
      await startJob(ctx, it, names.clone(ref), provenance, false);
      return { step };
    }
    case 'PostHooks': {
      const post = await runPhase('post', hooks.post, podRefs(pods()), ctx.hooks, ctx.clock);
      await call(`annotate Job ${job!.metadata!.name}`, () =>
        ctx.apis.batch.patchNamespacedJob({ name: job!.metadata!.name!, namespace: jobNs, body: { metadata: { annotations: { [A.postHooks]: JSON.stringify(post.runs) } } } }, mergePatch),
      );
      ctx.recent.put('Job', jobNs, job!.metadata!.name!, { ...job, metadata: { ...job!.metadata, annotations: { ...job!.metadata?.annotations, [A.postHooks]: 'done' } } });
      return { step };
    }
    case 'Record': {
      const summary = parseSummary(terminationMessage(await finishedJobPods(ctx, jobNs, job!.metadata!.name!)));
      if (!summary.ok) return { step, failure: { reason: summary.reason, message: summary.message } };
      const ann = job!.metadata?.annotations ?? {};
      const prov = provenanceSchema.safeParse(JSON.parse(ann[A.provenance] ?? '{}'));
      const postRuns = ann[A.postHooks] && ann[A.postHooks] !== 'pending' ? (JSON.parse(ann[A.postHooks]!) as HookRun[]) : [];
      const provenance = prov.success ? { ...prov.data, hooks: [...prov.data.hooks, ...postRuns] } : undefined;
      const name = names.restorePoint(ref);
      const rp: CustomObject = {
        apiVersion: API_VERSION,
        kind: 'RestorePoint',
        metadata: { name, namespace: ref.policyNamespace, labels: labels(ref) },
        spec: { repository: it.repository.name, policy: ref.policy, pvc: { namespace: ns, name: ref.pvc }, runId: ref.runId },
      };
      const rpApi = { group: GROUP, version: VERSION, plural: 'restorepoints', namespace: ref.policyNamespace };
      await create(`RestorePoint ${name}`, () => ctx.apis.custom.createNamespacedCustomObject({ ...rpApi, body: rp }));
      const status = {
        snapshotId: summary.summary.snapshotId,
        time: summary.summary.time ? new Date(summary.summary.time).toISOString() : ctx.clock.now().toISOString(),
        ...(provenance ? { provenance } : {}),
        ...(summary.summary.suspicion ? { suspicion: summary.summary.suspicion } : {}),
        conditions: [{ type: 'Ready', status: 'True', reason: 'Recorded', message: `snapshot ${summary.summary.snapshotId}${retried(job!)}`, lastTransitionTime: ctx.clock.now().toISOString() }],
      };
      await call(`write status of RestorePoint ${name}`, () => ctx.apis.custom.patchNamespacedCustomObjectStatus({ ...rpApi, name, body: { status } }, mergePatch));
      ctx.recent.put('RestorePoint', ref.policyNamespace, name, { ...rp, status });
      const suspicion = summary.summary.suspicion;
      if (suspicion?.verdict === 'suspicious') {
        // The alert a person sees in `kubectl get events` and `describe`, on the point and on its policy.
        const message = `snapshot ${summary.summary.snapshotId.slice(0, 12)} of ${ns}/${ref.pvc} is unlike the volume's history: ${suspicion.reasons.join('; ')}`;
        await ctx.events.record({ apiVersion: API_VERSION, kind: 'RestorePoint', namespace: ref.policyNamespace, name }, 'Warning', 'SuspiciousBackup', message);
        await ctx.events.record({ apiVersion: API_VERSION, kind: 'BackupPolicy', namespace: ref.policyNamespace, name: ref.policy }, 'Warning', 'SuspiciousBackup', `RestorePoint ${name}: ${message}`);
      }
      return { step };
    }
    case 'Fail':
      return { step, failure: { reason: step.reason, message: step.message } };
    case 'Cleanup': {
      // A failed Job stays as the record of the failure; a recorded one has served its purpose.
      if (obs.restorePoint && job) {
        await remove(`Job ${job.metadata!.name}`, () => ctx.apis.batch.deleteNamespacedJob({ name: job.metadata!.name!, namespace: jobNs, propagationPolicy: 'Background' }));
        ctx.recent.forget('Job', jobNs, job.metadata!.name!);
      }
      if (clone) {
        await remove(`PVC ${clone.metadata!.name}`, () => ctx.apis.core.deleteNamespacedPersistentVolumeClaim({ name: clone.metadata!.name!, namespace: ns }));
        ctx.recent.forget('PersistentVolumeClaim', ns, clone.metadata!.name!);
      }
      if (vs) {
        await remove(`VolumeSnapshot ${vs.metadata!.name}`, () => ctx.apis.custom.deleteNamespacedCustomObject({ ...SNAP, namespace: ns, name: vs.metadata!.name! }));
        ctx.recent.forget('VolumeSnapshot', ns, vs.metadata!.name!);
      }
      return { step };
    }
    default:
      return { step };
  }
}
