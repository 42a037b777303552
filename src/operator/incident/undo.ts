/**
 * The undo an abort runs, shared by `spec.abort` and the deletion of an Incident that carries the
 * finalizer: what planAbort says can be undone is (today: quiesce, while nothing was restored —
 * the workloads back to their recorded replicas and images), and the rest is said in one message.
 * Evidence (Job, RestorePoint), the report and reissued keys are never touched.
 */
import type { IncidentStatus } from '../api/index.js';
import type { OperatorContext } from '../context.js';
import { planAbort } from './abort.js';
import { undoQuiesce } from './steps/quiesce.js';

export interface UndoResult {
  undone: string[];
  notUndone: { step: string; why: string }[];
  /** "undone: ...; not undone: ..." for a condition or an Event. */
  summary: string;
}

export async function undoRun(ctx: OperatorContext, namespace: string, status: IncidentStatus): Promise<UndoResult> {
  const plan = planAbort(status.steps ?? [], status.evidence?.restorePoint);
  const did = plan.undoQuiesce ? await undoQuiesce(ctx, namespace, status.workloads ?? []) : [];
  const undone = plan.undone.map((s) => (s === 'quiesce' && did.length ? `${s}: ${did.join(', ')}` : s));
  const summary = `undone: ${undone.join('; ') || 'nothing'}; not undone: ${plan.notUndone.map((n) => `${n.step} (${n.why})`).join('; ') || 'nothing'}`;
  return { undone, notUndone: plan.notUndone, summary };
}
