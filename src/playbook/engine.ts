/**
 * The playbook engine both platforms drive: walk a playbook's steps in order against a journal,
 * skip what is completed, mark a step started before its side effect and completed with its outputs
 * after it, and stop at the first step that has to wait. The journal is the platform's: the catalog
 * on one machine (a blocking CLI or server process, whose steps never wait), the Incident's status
 * on Kubernetes (a reconcile loop, whose steps wait for Jobs and rollouts and are called again on
 * the next reconcile). So "completed steps never run again; an interrupted one runs again and must
 * be idempotent" holds the same way on both.
 */
import type { StepStatus } from '../catalog/incidents.js';
import type { PlaybookStep } from './definition.js';

export type Outputs = Record<string, unknown>;

export type StepOutcome = { state: 'done'; outputs: Outputs } | { state: 'waiting'; message: string; retryAfterMs: number };

export interface JournalStep {
  step: string;
  uses: string;
  status: StepStatus;
  attempts: number;
  outputs: Outputs;
}

export interface Journal {
  steps(): readonly JournalStep[];
  /** Called each time a step is about to run; a journal whose steps wait treats a repeat as the same attempt. */
  start(step: string): void | Promise<void>;
  complete(step: string, outputs: Outputs): void | Promise<void>;
  fail(step: string, message: string): void | Promise<void>;
}

export type AdvanceResult = { state: 'succeeded' } | { state: 'waiting'; step: string; message: string; retryAfterMs: number };

export interface RunnablePlaybook {
  order: readonly string[];
  steps: readonly PlaybookStep[];
}

export const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Runs the pending steps in order; stops at the first waiting one. A throw is journaled as the step's failure and rethrown. */
export async function advance(pb: RunnablePlaybook, journal: Journal, run: (def: PlaybookStep, row: JournalStep | undefined) => Promise<StepOutcome>): Promise<AdvanceResult> {
  for (const stepId of pb.order) {
    const def = pb.steps.find((s) => s.id === stepId);
    if (!def) throw new Error(`playbook order names step ${stepId}, which it does not define`);
    const row = journal.steps().find((s) => s.step === stepId);
    if (row?.status === 'completed') continue;
    await journal.start(stepId);
    let outcome: StepOutcome;
    try {
      outcome = await run(def, row);
    } catch (e) {
      await journal.fail(stepId, errorMessage(e));
      throw e;
    }
    if (outcome.state === 'waiting') return { state: 'waiting', step: stepId, message: outcome.message, retryAfterMs: outcome.retryAfterMs };
    await journal.complete(stepId, outcome.outputs);
  }
  return { state: 'succeeded' };
}
