/**
 * An Incident deleted while it carries the finalizer: run the same undo as `spec.abort` (undo.ts)
 * unless it had already finished, say in an Event what was and was not undone, then take the
 * finalizer off so the API server removes it. The Event outlives the object (the status goes with
 * it). Evidence RestorePoints carry no owner reference and stay; the evidence Job stays as well.
 * Repeating this after a lost finalizer write is harmless: the undo only sets recorded values.
 */
import { isHoldfastError } from '../../base/errors.js';
import { API_VERSION, type IncidentStatus } from '../api/index.js';
import type { CustomObject, OperatorContext } from '../context.js';
import type { ReconcileResult } from '../runtime/queue.js';
import { removeFinalizer } from './finalizer.js';
import { observedSideEffects, undoRun } from './undo.js';

export async function undoDeleted(ctx: OperatorContext, obj: CustomObject): Promise<ReconcileResult> {
  const { namespace, name, uid } = obj.metadata as { namespace: string; name: string; uid: string };
  const status = (obj.status ?? {}) as IncidentStatus;
  const phase = status.phase ?? 'Planning';
  if (phase !== 'Succeeded' && phase !== 'Aborted') {
    const undo = await undoRun(ctx, namespace, status, observedSideEffects(ctx, uid));
    const evidence = status.evidence?.restorePoint ? `RestorePoint ${status.evidence.restorePoint}` : status.evidence?.job ? `Job ${status.evidence.job}` : undefined;
    const message = `deleted while ${phase}: ${undo.summary}${evidence ? `; the evidence ${evidence} is kept` : ''}`;
    await ctx.events.record({ apiVersion: API_VERSION, kind: 'Incident', namespace, name, uid }, 'Warning', 'DeletedMidRun', message.slice(0, 1000));
  }
  try {
    await removeFinalizer(ctx, obj);
  } catch (e) {
    // A newer copy is on its way (its reconcile repeats this); a deletion already finished is fine too.
    if (isHoldfastError(e, 'K8S_CONFLICT') || isHoldfastError(e, 'K8S_NOT_FOUND')) return {};
    throw e;
  }
  return {};
}
