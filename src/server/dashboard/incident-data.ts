/**
 * Where the incident pages read from: `cp.incidents` (src/server/engines/incidents.ts), the same
 * journal, plans and report files the API serves. For a proposed incident the plan is computed
 * now, by the function `holdfast incident plan` and the run itself use, so the page shows what
 * approving would do, not what was true when the trigger proposed it. Reading only.
 */
import type { IncidentStepRow } from '../../catalog/incidents.js';
import { knownStepKinds, parsePlaybook } from '../../playbook/index.js';
import type { ControlPlane } from '../control-plane.js';
import type { IncidentDetail, IncidentSummary } from '../engines/incidents.js';

export interface IncidentRecord {
  row: IncidentSummary;
  steps: IncidentStepRow[];
  /** Running in the journal, but the process that ran it is gone (a crash or kill -9): resumable. */
  interrupted: boolean;
  plan: IncidentDetail['plan'];
  /** The playbook's own description of each step, by step id (from the playbook text the run journaled). */
  descriptions: Map<string, string>;
}

function descriptionsOf(row: IncidentSummary): Map<string, string> {
  const text = row.params.playbookText;
  if (typeof text !== 'string') return new Map();
  try {
    return new Map(parsePlaybook(text, `incident ${row.id} playbook`, knownStepKinds).steps.map((s) => [s.id, s.description ?? s.uses]));
  } catch {
    return new Map(); // a playbook this build cannot read any more: the table falls back to the step kinds
  }
}

export function readIncident(cp: ControlPlane, id: string): IncidentRecord | undefined {
  const d = cp.incidents.get(id);
  if (!d) return undefined;
  return { row: d.incident, steps: d.steps, interrupted: d.incident.interrupted, plan: d.plan, descriptions: descriptionsOf(d.incident) };
}
