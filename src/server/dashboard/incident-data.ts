/**
 * Where the incident pages read from: the incident journal in the catalog the control plane
 * holds, and for a proposed incident its plan, computed now by the same function `holdfast
 * incident plan` and the run itself use (so the page shows what approving would do, not what was
 * true when the trigger proposed it). Reading only.
 */
import { isHoldfastError } from '../../base/errors.js';
import { IncidentStore, type IncidentRow, type IncidentStepRow } from '../../catalog/incidents.js';
import { alive, explainPlan, knownStepKinds, loadPlaybook, parsePlaybook, planIncident, type IncidentParams, type IncidentPlan, type LoadedPlaybook } from '../../playbook/index.js';
import type { ControlPlane } from '../control-plane.js';

export const incidentStore = (cp: ControlPlane) => new IncidentStore(cp.d.catalog.db, () => cp.d.clock.now());

export interface IncidentRecord {
  row: IncidentRow;
  steps: IncidentStepRow[];
  /** Running in the journal, but the process that ran it is gone (a crash or kill -9): resumable. */
  interrupted: boolean;
  /** The playbook's own description of each step, by step id (from the playbook text the run journaled). */
  descriptions: Map<string, string>;
}

function playbookOf(row: IncidentRow): LoadedPlaybook {
  const text = row.params.playbookText;
  if (typeof text === 'string') return { ...parsePlaybook(text, `incident ${row.id} playbook`, knownStepKinds), text, source: String(row.params.playbookSource ?? row.playbook) };
  return loadPlaybook(String(row.params.playbookSource ?? row.playbook));
}

export function readIncident(cp: ControlPlane, id: string): IncidentRecord | undefined {
  const store = incidentStore(cp);
  const row = store.get(id);
  if (!row) return undefined;
  const interrupted = row.status === 'running' && row.runnerPid !== undefined && !alive(row.runnerPid);
  let descriptions = new Map<string, string>();
  try {
    descriptions = new Map(playbookOf(row).steps.map((s) => [s.id, s.description ?? s.uses]));
  } catch {
    // A playbook file edited or removed since: the table falls back to the step kinds.
  }
  return { row, steps: store.steps(id), interrupted, descriptions };
}

export type PlanResult = { plan: IncidentPlan; text: string } | { refused: string; explanation?: string | undefined };

/** The plan of a proposed incident as of now; a refusal (no clean restore point, a precondition) is shown, not thrown. */
export function planOf(cp: ControlPlane, row: IncidentRow): PlanResult {
  try {
    const { plan } = planIncident(cp.d.loaded, cp.d.catalog, row.params as unknown as IncidentParams, playbookOf(row));
    return { plan, text: explainPlan(plan) };
  } catch (e) {
    if (!isHoldfastError(e)) throw e;
    return { refused: e.message, explanation: (e as unknown as { explanation?: string }).explanation };
  }
}
