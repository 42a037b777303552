/**
 * The undo an abort runs, shared by `spec.abort` and the deletion of an Incident that carries the
 * finalizer: what planAbort says can be undone is (today: quiesce, while nothing was restored —
 * the workloads back to their recorded replicas and images), and the rest is said in one message.
 * Evidence (Job, RestorePoint), the report and reissued keys are never touched.
 */
import type { IncidentStatus } from '../api/index.js';
import type { OperatorContext } from '../context.js';
import { planAbort, type ObservedSideEffects } from './abort.js';
import { INCIDENT_UID_LABEL } from './names.js';
import { undoQuiesce } from './steps/quiesce.js';

export interface UndoResult {
  undone: string[];
  notUndone: { step: string; why: string }[];
  /** "undone: ...; not undone: ..." for a condition or an Event. */
  summary: string;
}

/** The Restore and evidence Job of this Incident as the caches show them (see ObservedSideEffects). */
export function observedSideEffects(ctx: OperatorContext, uid: string): ObservedSideEffects {
  const ours = (o: { metadata?: { labels?: Record<string, string> } }) => o.metadata?.labels?.[INCIDENT_UID_LABEL] === uid;
  return { restore: ctx.caches.restores.list().some(ours), evidence: ctx.caches.jobs.list().some(ours) };
}

export async function undoRun(ctx: OperatorContext, namespace: string, status: IncidentStatus, observed: ObservedSideEffects = {}): Promise<UndoResult> {
  const plan = planAbort(status.steps ?? [], status.evidence?.restorePoint, observed);
  const did = plan.undoQuiesce ? await undoQuiesce(ctx, namespace, status.workloads ?? []) : [];
  const undone = plan.undone.map((s) => (s === 'quiesce' && did.length ? `${s}: ${did.join(', ')}` : s));
  const summary = `undone: ${undone.join('; ') || 'nothing'}; not undone: ${plan.notUndone.map((n) => `${n.step} (${n.why})`).join('; ') || 'nothing'}`;
  return { undone, notUndone: plan.notUndone, summary };
}
