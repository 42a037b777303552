/**
 * From new findings to incidents: gathers what `decideTrigger` needs from the catalog and the
 * config, and acts on its decision — a proposal (an incident row with status `proposed`, nothing
 * run; `holdfast incident approve <id>` runs it) or, where the policy says so, a run. This is the
 * call for the place SARIF is ingested (the control plane's upload already knows which findings
 * are new); a refused plan (no clean restore point) proposes nothing and says why.
 */
import { isHoldfastError } from '../base/errors.js';
import { IncidentStore } from '../catalog/incidents.js';
import type { Severity } from '../sast/index.js';
import { loadPlaybook, planIncident } from './plan.js';
import { newIncidentId, runIncident, type RunnerDeps } from './runner.js';
import { decideTrigger, type TriggerDecision, type TriggerPolicy } from './trigger.js';
import type { IncidentParams } from './facts.js';

export interface TriggerOutcome {
  findingId: string;
  decision: TriggerDecision;
  incidents: { id?: string; volume: string; status: 'proposed' | 'succeeded' | 'refused'; message: string }[];
}

export async function onNewFindings(d: RunnerDeps, findingIds: readonly string[], policy: TriggerPolicy, playbookSource = 'restore-secure-and-rotate'): Promise<TriggerOutcome[]> {
  const store = new IncidentStore(d.catalog.db, () => d.clock.now());
  const { config } = d.loaded;
  const out: TriggerOutcome[] = [];
  for (const id of findingIds) {
    const f = d.catalog.sast.getFinding(id);
    if (!f) continue;
    const deployments = d.catalog.deployments
      .timeline()
      .filter((x) => x.commit === f.lastSeenCommit)
      .map((x) => ({ workload: x.workload, running: !x.endedAt, volumes: [...new Set([...(config.workloads[x.workload]?.volumes ?? []), ...Object.keys(config.volumes).filter((v) => d.catalog.deployments.workloadsMounting(v).includes(x.workload))])] }));
    const active = Object.keys(config.volumes).filter((v) => store.active(v));
    const decision = decideTrigger({ finding: { id, severity: f.severity as Severity, state: f.state, isNew: true }, deployments, activeIncidentVolumes: active, policy });
    const incidents: TriggerOutcome['incidents'] = [];
    for (const volume of decision.volumes) {
      const params: IncidentParams = { volume, target: { findingId: id }, onUnknown: 'refuse', rotateCa: false, healthPath: '/healthz' };
      try {
        if (decision.action === 'auto-run') {
          const r = await runIncident(d, params, playbookSource);
          incidents.push({ id: r.incident.id, volume, status: 'succeeded', message: r.incident.message ?? '' });
          continue;
        }
        const pb = loadPlaybook(playbookSource);
        const { plan } = planIncident(d.loaded, d.catalog, params, pb);
        const row = store.create({ id: newIncidentId(d.clock.now()), playbook: pb.playbook, volume, status: 'proposed', configFile: d.loaded.file, params: { ...params, playbookSource, playbookText: pb.text }, steps: pb.order.map((s) => ({ step: s, uses: pb.steps.find((x) => x.id === s)!.uses })) });
        store.setStatus(row.id, 'proposed', { message: `proposed: ${decision.message}; restore point ${plan.choice.snapshotId}` });
        d.catalog.audit.append({ actor: 'trigger', action: 'incident.proposed', object: `incident:${row.id}`, details: { finding: id, volume, restorePoint: plan.choice.snapshotId } });
        incidents.push({ id: row.id, volume, status: 'proposed', message: decision.message });
      } catch (e) {
        if (!isHoldfastError(e)) throw e;
        incidents.push({ volume, status: 'refused', message: e.message });
      }
    }
    out.push({ findingId: id, decision, incidents });
  }
  return out;
}
