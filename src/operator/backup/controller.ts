/**
 * The backup controller: one reconcile entry per BackupPolicy. It checks the repository and its
 * Secret, selects PVCs, starts a run when the schedule (or a manual trigger) says so, advances every
 * PVC of the run one step, and reports progress as conditions and Events. Problems a user must fix
 * (no PVC selected, Secret missing, RBAC denied, a Job that failed) end as a condition with a reason
 * and a slow requeue, never a crash loop; only transient API errors are retried fast (with backoff).
 */
import type * as k8s from '@kubernetes/client-node';
import { isHoldfastError, type HoldfastError } from '../../base/errors.js';
import { call, mergePatch } from '../../platform/kubernetes/index.js';
import {
  API_VERSION, GROUP, VERSION, backupPolicySpecSchema, backupRepositorySpecSchema,
  type BackupPolicyStatus, type Condition,
} from '../api/index.js';
import type { CustomObject, OperatorContext } from '../context.js';
import type { ReconcileResult } from '../runtime/queue.js';
import { sameConditions, setCondition, type ConditionInput } from '../runtime/conditions.js';
import { nodePlacementProblem, placementOf } from '../datamover/node-placement.js';
import { incidentHold, incidentOnPvc } from './incident-hold.js';
import { reconcileItem, type Item } from './item.js';
import { names } from './objects.js';
import { reportRepository } from './repository-status.js';
import { scheduleDecision, TRIGGER_ANNOTATION } from './schedule.js';
import { selectPvcs } from './select.js';
import { ensureRepositorySecret } from './secret.js';

const PLURAL = 'backuppolicies';
const SLOW_MS = 60_000;

/** Runs `fn` over `items` with at most `n` in flight. */
async function pool<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

export async function reconcileBackupPolicy(ctx: OperatorContext, key: string): Promise<ReconcileResult> {
  const [namespace, name] = key.split('/') as [string, string];
  const obj = ctx.caches.policies.get(name, namespace);
  if (!obj || obj.metadata?.deletionTimestamp) return {};
  const now = ctx.clock.now();
  const status: BackupPolicyStatus = { ...((obj.status ?? {}) as BackupPolicyStatus) };
  const before = JSON.stringify(status);
  const involved = { apiVersion: API_VERSION, kind: 'BackupPolicy', namespace, name, uid: obj.metadata!.uid! };
  const cond = (c: ConditionInput) => (status.conditions = setCondition(status.conditions, c, now, obj.metadata?.generation));
  const warn = (reason: string, message: string) => ctx.events.record(involved, 'Warning', reason, message);
  const write = async () => {
    if (JSON.stringify(status) === before) return;
    const body = { status: { ...status, currentRun: status.currentRun ?? null, observedGeneration: obj.metadata?.generation } };
    await call(`write status of BackupPolicy ${key}`, () =>
      ctx.apis.custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body }, mergePatch),
    );
  };
  /** The Paused condition names each held PVC and its Incident; a Normal Event per PVC when it first pauses in a run. */
  const reportPaused = async (runId: string, paused: readonly string[]) => {
    const old = status.conditions?.find((c) => c.type === 'Paused');
    if (!paused.length) {
      if (old?.status === 'True') cond({ type: 'Paused', status: 'False', reason: 'NoIncident', message: `run ${runId}: no selected PVC is held by an Incident` });
      return;
    }
    const message = `run ${runId}: ${paused.length} PVC(s) paused: ${paused.join('; ')}`.slice(0, 2000);
    cond({ type: 'Paused', status: 'True', reason: 'IncidentActive', message });
    if (old?.message === message) return;
    const sameRun = old?.message.startsWith(`run ${runId}:`) === true;
    for (const p of paused) if (!sameRun || !old!.message.includes(p)) await ctx.events.record(involved, 'Normal', 'BackupPaused', `run ${runId}: ${p}`.slice(0, 1000));
  };
  const notReady = async (reason: string, message: string, event = true): Promise<ReconcileResult> => {
    const old = status.conditions;
    cond({ type: 'Ready', status: 'False', reason, message });
    if (event && !sameConditions(old, status.conditions)) await warn(reason, message);
    await write();
    return { requeueAfterMs: SLOW_MS };
  };

  try {
    const parsed = backupPolicySpecSchema.safeParse(obj.spec);
    if (!parsed.success) return notReady('InvalidSpec', `spec: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
    const spec = parsed.data;
    const onNode = placementOf(spec.dataMover) === 'Node';

    const repoObj = ctx.caches.repositories.get(spec.repository, namespace);
    const repoSpec = backupRepositorySpecSchema.safeParse(repoObj?.spec);
    if (!repoObj || !repoSpec.success)
      return notReady('RepositoryNotFound', `BackupRepository ${namespace}/${spec.repository} does not exist or is invalid`);
    const placementProblem = onNode ? nodePlacementProblem({ snapshotMode: spec.snapshot.mode, repositoryOnVolume: repoSpec.data.volume !== undefined }) : undefined;
    if (placementProblem) return notReady('InvalidPlacement', placementProblem);
    const secretName = repoSpec.data.credentials.secretName;
    const secret = await readSecret(ctx, namespace, secretName);
    const passwordKey = repoSpec.data.credentials.passwordKey;
    const secretProblem = !secret
      ? `Secret ${namespace}/${secretName} of BackupRepository ${spec.repository} does not exist`
      : !secret.data?.[passwordKey]
        ? `Secret ${namespace}/${secretName} has no key ${passwordKey}`
        : undefined;
    await reportRepository(ctx, repoObj, !secretProblem, secretProblem ? 'SecretMissing' : 'CredentialsFound', secretProblem ?? `Secret ${secretName} holds key ${passwordKey}`);
    if (secretProblem || !secret) return notReady('RepositorySecretMissing', secretProblem ?? '');

    const selection = selectPvcs(namespace, spec.selector, ctx.caches.pvcs.list());
    status.selectedPVCs = selection.pvcs.length;

    const decision = scheduleDecision(
      {
        schedule: spec.schedule,
        suspend: spec.suspend,
        createdAt: new Date(String(obj.metadata?.creationTimestamp ?? now.toISOString())),
        ...(status.lastScheduleTime ? { lastScheduleTime: new Date(status.lastScheduleTime) } : {}),
        ...(obj.metadata?.annotations?.[TRIGGER_ANNOTATION] ? { trigger: obj.metadata.annotations[TRIGGER_ANNOTATION] } : {}),
        ...(status.handledTrigger ? { handledTrigger: status.handledTrigger } : {}),
        ...(status.currentRun ? { runInProgress: status.currentRun.id } : {}),
      },
      now,
    );
    if (decision.reason === 'InvalidSchedule') return notReady('InvalidSchedule', decision.message);
    if (selection.reason === 'NoVolumesSelected' && !status.currentRun) {
      if (decision.start) {
        if (decision.start.slot) status.lastScheduleTime = decision.start.slot.toISOString();
        if (decision.reason === 'Triggered') status.handledTrigger = obj.metadata!.annotations![TRIGGER_ANNOTATION];
      }
      return notReady('NoVolumesSelected', selection.message);
    }
    if (decision.start) {
      status.currentRun = { id: decision.start.id, startedAt: now.toISOString(), trigger: decision.start.trigger };
      if (decision.start.slot) status.lastScheduleTime = decision.start.slot.toISOString();
      if (decision.reason === 'Triggered') status.handledTrigger = obj.metadata!.annotations![TRIGGER_ANNOTATION];
      // Persist the run before touching anything, so a restart or a new leader resumes this run.
      await write();
      await ctx.events.record(involved, 'Normal', 'RunStarted', `run ${decision.start.id} (${decision.start.trigger}) for ${selection.message}`);
    }

    const run = status.currentRun;
    if (!run) {
      const last = status.lastRun;
      const readyNow = status.conditions?.find((c) => c.type === 'Ready');
      // Keep the message written when the run ended: it names the first failed PVC.
      if (last && last.failed > 0 && readyNow?.reason === 'LastRunFailed' && readyNow.message.startsWith(`run ${last.id}:`)) {
        /* unchanged */
      } else if (last && last.failed > 0)
        cond({ type: 'Ready', status: 'False', reason: 'LastRunFailed', message: `run ${last.id}: ${last.failed} PVC(s) failed; ${decision.message}` });
      else cond({ type: 'Ready', status: 'True', reason: last ? 'LastRunSucceeded' : 'Idle', message: `${selection.message}; ${decision.message}` });
      await write();
      return { requeueAfterMs: untilNext(decision.nextAt, now) };
    }

    const failedBy = new Map((run.failed ?? []).map((f) => [f.pvc, f]));
    const incidents = ctx.caches.incidents.list().map(incidentOnPvc);
    const items: Item[] = selection.pvcs.map((pvc) => {
      const pvcKey = `${pvc.metadata!.namespace}/${pvc.metadata!.name}`;
      const f = failedBy.get(pvcKey);
      const hold = incidentHold({ namespace: pvc.metadata!.namespace!, name: pvc.metadata!.name! }, incidents);
      return {
        ref: { policyNamespace: namespace, policy: name, runId: run.id, namespace: pvc.metadata!.namespace!, pvc: pvc.metadata!.name! },
        pvc,
        spec,
        repository: { name: spec.repository, spec: repoSpec.data, secretName: names.repoSecret(spec.repository) },
        ...(f ? { failed: f.message } : {}),
        ...(hold.reason === 'IncidentActive' ? { heldBy: hold.message } : {}),
      };
    });
    // The data mover reads the password from a Secret in its own namespace: mirror it where needed.
    // Node-placed ones all run in Holdfast's namespace, where policies of every namespace meet.
    if (onNode && namespace !== ctx.settings.namespace && items.length) {
      const mirror = names.nodeRepoSecret(namespace, spec.repository);
      await ensureRepositorySecret(ctx, secret, ctx.settings.namespace, mirror);
      for (const i of items) i.repository.secretName = mirror;
    } else if (onNode) for (const i of items) i.repository.secretName = secretName;
    else
      for (const ns of new Set(items.map((i) => i.ref.namespace)))
        if (ns === namespace) for (const i of items.filter((x) => x.ref.namespace === ns)) i.repository.secretName = secretName;
        else await ensureRepositorySecret(ctx, secret, ns, names.repoSecret(spec.repository));

    const outcomes = await pool(items, ctx.settings.itemConcurrency, (it) => reconcileItem(ctx, it));
    let done = 0;
    let failed = 0;
    const newFailures: NonNullable<typeof run.failed> = [];
    outcomes.forEach((o, i) => {
      const pvcKey = `${items[i]!.ref.namespace}/${items[i]!.ref.pvc}`;
      if (o.failure) newFailures.push({ pvc: pvcKey, reason: o.failure.reason, message: o.failure.message.slice(0, 300) });
      if (o.step.action === 'Done' && o.step.reason === 'Succeeded') done++;
      if (o.failure || failedBy.has(pvcKey)) failed++;
    });
    for (const f of newFailures) await warn(f.reason, `${f.pvc}: ${f.message}`);
    if (newFailures.length) run.failed = [...(run.failed ?? []), ...newFailures].slice(-1000);
    const paused = outcomes.flatMap((o, i) => (o.step.action === 'Paused' ? [`${items[i]!.ref.namespace}/${items[i]!.ref.pvc}: ${o.step.message}`] : []));
    await reportPaused(run.id, paused);
    // A paused PVC is settled for this run (skipped, not failed): waiting for an Incident could block the schedule for days.
    const settled = outcomes.every((o) => o.step.action === 'Done' || o.step.action === 'Paused' || o.failure);
    const pausedNote = paused.length ? `, ${paused.length} paused by an Incident` : '';
    const retrying = outcomes.flatMap((o, i) => (o.step.reason === 'JobRetrying' ? [`${items[i]!.ref.namespace}/${items[i]!.ref.pvc}: ${o.step.message}`] : []));
    const retryNote = retrying.length ? `, ${retrying.length} retrying (${retrying[0]})` : '';
    if (settled) {
      status.lastRun = { id: run.id, startedAt: run.startedAt, finishedAt: now.toISOString(), succeeded: done, failed };
      delete status.currentRun;
      cond({ type: 'Running', status: 'False', reason: 'RunFinished', message: `run ${run.id}: ${done} succeeded, ${failed} failed${pausedNote}` });
      if (failed > 0) {
        const first = (run.failed ?? [])[0];
        cond({ type: 'Ready', status: 'False', reason: 'LastRunFailed', message: `run ${run.id}: ${failed} of ${items.length} PVCs failed (first: ${first?.pvc}: ${first?.reason})` });
      } else cond({ type: 'Ready', status: 'True', reason: 'LastRunSucceeded', message: `run ${run.id}: ${done} restore points recorded${pausedNote}` });
      await ctx.events.record(involved, failed ? 'Warning' : 'Normal', failed ? 'RunFailed' : 'RunSucceeded', `run ${run.id}: ${done} succeeded, ${failed} failed${pausedNote}`);
    } else {
      cond({ type: 'Running', status: 'True', reason: 'RunInProgress', message: `run ${run.id}: ${done} of ${items.length} PVCs done, ${failed} failed${pausedNote}${retryNote}` });
      if (!status.conditions?.some((c: Condition) => c.type === 'Ready')) cond({ type: 'Ready', status: 'True', reason: 'RunInProgress', message: selection.message });
    }
    await write();
    return { requeueAfterMs: settled ? untilNext(decision.nextAt, now) : 15_000 };
  } catch (e) {
    if (isHoldfastError(e) && (e as HoldfastError).kind === 'auth') return notReady('Forbidden', e.message);
    if (isHoldfastError(e) && (e as HoldfastError).kind === 'invalid-input') return notReady('Rejected', e.message);
    throw e;
  }
}

function untilNext(next: Date | undefined, now: Date): number {
  if (!next) return 5 * 60_000;
  return Math.min(5 * 60_000, Math.max(1000, next.getTime() - now.getTime()));
}

async function readSecret(ctx: OperatorContext, namespace: string, name: string): Promise<k8s.V1Secret | undefined> {
  try {
    return await call(`read Secret ${namespace}/${name}`, () => ctx.apis.core.readNamespacedSecret({ namespace, name }));
  } catch (e) {
    if (isHoldfastError(e, 'K8S_NOT_FOUND')) return undefined;
    throw e;
  }
}

export { PLURAL as BACKUP_POLICY_PLURAL };
export type { CustomObject };
