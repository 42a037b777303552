/**
 * The Incident controller: one reconcile entry per Incident, non-blocking. Each reconcile loads the
 * journal from `status.steps`, lets the playbook engine (src/playbook/engine.ts) run the pending
 * steps in order up to the first that waits — only the read-only ones until `spec.approved` — and
 * writes the status back once, guarded by the resourceVersion it read (a stale cache loses the
 * write with a 409 and the next reconcile sees the fresh object, so status never goes backwards).
 * API trouble (unreachable, RBAC) keeps the step running and retries; a step that cannot succeed
 * fails the Incident with its reason. Succeeded and Failed are final.
 *
 * The holdfast.dev/incident finalizer (finalizer.ts) goes on just before the first step that changes
 * the cluster and comes off at Succeeded or Aborted; deleting an Incident that carries it runs the
 * abort's undo first (deleted.ts), so a deletion mid-run never leaves the workloads scaled to zero.
 */
import { createHash } from 'node:crypto';
import { isHoldfastError } from '../../base/errors.js';
import { advance, type AdvanceResult } from '../../playbook/index.js';
import { call, mergePatch } from '../../platform/kubernetes/index.js';
import { API_VERSION, GROUP, VERSION, incidentSpecSchema, type IncidentStatus } from '../api/index.js';
import type { CustomObject, OperatorContext } from '../context.js';
import { setCondition, type ConditionInput } from '../runtime/conditions.js';
import type { ReconcileResult } from '../runtime/queue.js';
import { activeConflict } from './active.js';
import { undoDeleted } from './deleted.js';
import { addFinalizer, hasFinalizer, removeFinalizer } from './finalizer.js';
import { noteWaiting, statusJournal, type StepEvent } from './journal.js';
import { beforeApproval, kubePlaybook } from './playbook.js';
import { releaseEvidenceHolders } from './steps/evidence.js';
import { kubeStepKinds } from './steps/index.js';
import { StepFailure, waiting, type IncidentEnv } from './steps/types.js';
import { observedSideEffects, undoRun } from './undo.js';

export const INCIDENT_PLURAL = 'incidents';
/** A new value resumes a Failed Incident from its failed step, once. */
export const RETRY_ANNOTATION = 'holdfast.dev/retry';

export async function reconcileIncident(ctx: OperatorContext, key: string): Promise<ReconcileResult> {
  const [namespace, name] = key.split('/') as [string, string];
  const obj = ctx.caches.incidents.get(name, namespace);
  if (!obj) return {};
  if (obj.metadata?.deletionTimestamp) return hasFinalizer(obj) ? undoDeleted(ctx, obj) : {};
  const status: IncidentStatus = structuredClone((obj.status ?? {}) as IncidentStatus);
  const retry = obj.metadata?.annotations?.[RETRY_ANNOTATION];
  const abortAsked = (obj.spec as { abort?: unknown } | undefined)?.abort === true;
  if (status.phase === 'Succeeded' || status.phase === 'Aborted') {
    // Nothing is left to undo: a later deletion goes through at once. (The status write that made it
    // final woke this reconcile; the finalizer comes off after it, never before.)
    if (hasFinalizer(obj)) await releaseFinalizer(ctx, obj);
    return {};
  }
  if (status.phase === 'Failed' && !abortAsked && (retry === undefined || retry === status.handledRetry)) return {};
  const now = () => ctx.clock.now();
  const before = JSON.stringify(status);
  // The resourceVersion the status write is guarded by: adding the finalizer moves it on.
  let resourceVersion = obj.metadata?.resourceVersion;
  let finalized = hasFinalizer(obj);
  const resumed = status.phase === 'Failed' && !abortAsked;
  if (resumed) {
    // Resume as `holdfast incident resume` does: the failed step runs again (a new attempt, so its
    // Job or Restore gets a new name); completed steps stay completed.
    status.handledRetry = retry;
    status.phase = 'Running';
    delete status.completedAt;
    for (const r of status.steps ?? [])
      if (r.phase === 'Failed') {
        r.phase = 'Pending';
        delete r.completedAt;
        delete r.message;
      }
  }
  const involved = { apiVersion: API_VERSION, kind: 'Incident', namespace, name, uid: obj.metadata!.uid! };
  const cond = (c: ConditionInput) => (status.conditions = setCondition(status.conditions, c, now(), obj.metadata?.generation));
  const events: StepEvent[] = resumed ? [{ type: 'Normal', reason: 'Retried', message: `annotation ${RETRY_ANNOTATION}=${retry}: resuming from the failed step` }] : [];
  status.startedAt ??= now().toISOString();
  status.observedGeneration = obj.metadata?.generation;

  const finish = async (result: ReconcileResult): Promise<ReconcileResult> => {
    if (JSON.stringify(status) !== before) {
      try {
        await call(`write status of Incident ${key}`, () =>
          ctx.apis.custom.patchNamespacedCustomObjectStatus(
            { group: GROUP, version: VERSION, namespace, plural: INCIDENT_PLURAL, name, body: { metadata: { resourceVersion }, status } },
            mergePatch,
          ),
        );
      } catch (e) {
        // Our cache was behind: what this reconcile did is idempotent, so redo it on the fresh object.
        if (isHoldfastError(e, 'K8S_CONFLICT')) return { requeueAfterMs: 500 };
        throw e;
      }
    }
    for (const ev of events) await ctx.events.record(involved, ev.type, ev.reason, ev.message);
    return result;
  };
  const failed = (reason: string, message: string) => {
    status.phase = 'Failed';
    status.completedAt = now().toISOString();
    cond({ type: 'Ready', status: 'False', reason, message });
    events.push({ type: 'Warning', reason, message: message.slice(0, 1000) });
    return finish({});
  };

  const parsed = incidentSpecSchema.safeParse(obj.spec);
  if (!parsed.success) return failed('InvalidSpec', `spec: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  const spec = parsed.data;
  let pb;
  try {
    pb = kubePlaybook(spec.playbook);
  } catch (e) {
    return failed((e as StepFailure).reason ?? 'UnknownPlaybook', (e as Error).message);
  }
  if (spec.abort) {
    await releaseEvidenceHolders(ctx, namespace, obj.metadata!.uid!);
    const undo = await undoRun(ctx, namespace, status, observedSideEffects(ctx, obj.metadata!.uid!));
    status.phase = 'Aborted';
    status.completedAt = now().toISOString();
    status.abort = { undone: undo.undone, notUndone: undo.notUndone };
    const msg = `aborted; ${undo.summary}`;
    cond({ type: 'Ready', status: 'False', reason: 'Aborted', message: msg.slice(0, 2000) });
    events.push({ type: 'Warning', reason: 'Aborted', message: msg.slice(0, 1000) });
    return finish({});
  }
  status.phase ??= 'Planning';
  cond(spec.approved
    ? { type: 'Approved', status: 'True', reason: 'Approved', message: 'spec.approved is true' }
    : { type: 'Approved', status: 'False', reason: 'AwaitingApproval', message: 'set spec.approved to true to run the plan; nothing in the cluster changes before' });

  // Until this Incident has changed anything: one incident per PVC, and the plan follows the spec.
  const mutating = (n: string) => kubeStepKinds.get(pb.steps.find((s) => s.id === n)!.uses)!.mutates;
  const { approved: _a, abort: _b, ...planned } = spec;
  const specHash = createHash('sha256').update(JSON.stringify(planned)).digest('hex').slice(0, 16);
  if (!status.steps?.some((s) => s.phase !== 'Pending' && mutating(s.name))) {
    if (status.plan && status.plan.specHash !== specHash) {
      // Edited since the plan was shown: approve what the spec says now, not what it said then.
      delete status.plan;
      for (const r of status.steps ?? []) r.phase = 'Pending';
      events.push({ type: 'Normal', reason: 'Replanned', message: 'spec changed before the run started: planning again' });
    }
    const view = (i: CustomObject) => ({
      name: i.metadata!.name!,
      pvc: String((i.spec as { pvc?: unknown } | undefined)?.pvc ?? ''),
      createdAt: new Date(String(i.metadata?.creationTimestamp ?? 0)),
      phase: (i.status as { phase?: string } | undefined)?.phase,
    });
    const clash = activeConflict(view(obj), ctx.caches.incidents.list(namespace).map(view));
    if (clash) return failed(clash.reason, clash.message);
  }

  const journal = statusJournal(status, pb.order.map((id) => ({ id, uses: pb.steps.find((s) => s.id === id)!.uses })), now, events);
  const ref = { namespace, name, uid: obj.metadata!.uid! };
  const runnable = spec.approved ? pb : beforeApproval(pb);
  let result: AdvanceResult;
  try {
    result = await advance(runnable, journal, async (def) => {
      const env: IncidentEnv = {
        ctx, obj, ref, spec, status, involved, stepId: def.id, with: def.with,
        attempt: status.steps?.find((s) => s.name === def.id)?.attempts ?? 1,
        outputsOf: (uses) => status.steps?.find((s) => s.uses === uses && s.phase === 'Completed')?.outputs,
        event: (type, reason, message) => events.push({ type, reason, message }),
      };
      const kind = kubeStepKinds.get(def.uses)!;
      try {
        if (kind.mutates && !finalized) {
          // Before the first change: from now on a deletion undoes what this run did before it goes.
          resourceVersion = await addFinalizer(ctx, obj, resourceVersion);
          finalized = true;
        }
        return await kind.run(env);
      } catch (e) {
        // Our copy was stale when adding the finalizer: the status write would lose too; redo on the fresh object.
        if (!finalized && isHoldfastError(e, 'K8S_CONFLICT')) return waiting('the Incident changed while adding its finalizer: trying again', 500);
        // The API server being away or an RBAC denial is not the step's failure: keep it running, retry.
        if (isHoldfastError(e) && (e.kind === 'transient' || e.kind === 'auth'))
          return { state: 'waiting', message: e.message, retryAfterMs: e.kind === 'auth' ? 30_000 : 2_000 };
        throw e;
      }
    });
  } catch (e) {
    const reason = e instanceof StepFailure ? e.reason : 'StepFailed';
    const step = status.steps?.find((s) => s.phase === 'Failed');
    return failed(reason, `${step ? `step ${step.name}: ` : ''}${(e as Error).message}`);
  }

  if (status.plan) status.plan.specHash = specHash;
  if (result.state === 'waiting') {
    status.phase = 'Running';
    noteWaiting(status, result.step, result.message);
    cond({ type: 'Ready', status: 'False', reason: 'StepWaiting', message: `step ${result.step}: ${result.message}` });
    return finish({ requeueAfterMs: result.retryAfterMs });
  }
  if (!spec.approved) {
    if (status.phase !== 'AwaitingApproval') events.push({ type: 'Normal', reason: 'AwaitingApproval', message: `plan ready: ${status.plan?.message ?? ''}`.slice(0, 1000) });
    status.phase = 'AwaitingApproval';
    cond({ type: 'Ready', status: 'False', reason: 'AwaitingApproval', message: `plan: ${status.plan?.message ?? 'ready'}; set spec.approved to true to run it` });
    return finish({});
  }
  status.phase = 'Succeeded';
  status.completedAt = now().toISOString();
  const msg = `restored ${spec.pvc} from ${status.plan?.restorePoint ?? 'the chosen restore point'}, restarted on the known-good version, certificates reissued; report in ConfigMap ${status.report?.configMap ?? '(none)'}`;
  cond({ type: 'Ready', status: 'True', reason: 'Succeeded', message: msg });
  events.push({ type: 'Normal', reason: 'Succeeded', message: msg });
  return finish({});
}

async function releaseFinalizer(ctx: OperatorContext, obj: CustomObject): Promise<void> {
  try {
    await removeFinalizer(ctx, obj);
  } catch (e) {
    if (!isHoldfastError(e, 'K8S_CONFLICT')) throw e; // a newer copy is on its way: its reconcile retries
  }
}
