/**
 * The playbook engine's journal kept in the Incident's `status.steps`: the engine marks a step
 * started, completed or failed here, in memory, and the controller writes the status once at the
 * end of the reconcile. A step that waits is started again on the next reconcile: that is the same
 * attempt (attempts counts starts after a completion-less failure, not waits). Step Events are
 * queued here and recorded after the write.
 */
import type { Journal, JournalStep } from '../../playbook/index.js';
import type { IncidentStatus, IncidentStepStatus } from '../api/index.js';

const toEngine: Record<IncidentStepStatus['phase'], JournalStep['status']> = { Pending: 'pending', Running: 'started', Completed: 'completed', Failed: 'failed' };

/** Engine outputs as the status stores them: strings as they are, anything else as JSON. */
export function stringOutputs(o: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

export interface StepEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export function statusJournal(status: IncidentStatus, order: readonly { id: string; uses: string }[], now: () => Date, events: StepEvent[]): Journal {
  status.steps ??= order.map((s) => ({ name: s.id, uses: s.uses, phase: 'Pending' as const, attempts: 0 }));
  const row = (step: string) => {
    const r = status.steps!.find((s) => s.name === step);
    if (!r) throw new Error(`incident journal has no step ${step}`);
    return r;
  };
  return {
    steps: () => status.steps!.map((s) => ({ step: s.name, uses: s.uses, status: toEngine[s.phase], attempts: s.attempts, outputs: s.outputs ?? {} })),
    start(step) {
      const r = row(step);
      if (r.phase === 'Running') return;
      r.phase = 'Running';
      r.attempts += 1;
      r.startedAt = now().toISOString();
      delete r.message;
      events.push({ type: 'Normal', reason: 'StepStarted', message: `step ${step} (${r.uses}) started${r.attempts > 1 ? `, attempt ${r.attempts}` : ''}` });
    },
    complete(step, outputs) {
      const r = row(step);
      r.phase = 'Completed';
      r.completedAt = now().toISOString();
      delete r.message;
      const o = stringOutputs(outputs);
      if (Object.keys(o).length) r.outputs = o;
      events.push({ type: 'Normal', reason: 'StepCompleted', message: `step ${step} (${r.uses}) completed` });
    },
    fail(step, message) {
      const r = row(step);
      r.phase = 'Failed';
      r.completedAt = now().toISOString();
      r.message = message.slice(0, 2000);
      events.push({ type: 'Warning', reason: 'StepFailed', message: `step ${step} (${r.uses}) failed: ${message}`.slice(0, 1000) });
    },
  };
}

/** Notes why a running step waits, in its row (shown by kubectl and the dashboard). */
export function noteWaiting(status: IncidentStatus, step: string, message: string): void {
  const r = status.steps?.find((s) => s.name === step);
  if (r) r.message = message.slice(0, 2000);
}
