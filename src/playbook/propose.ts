/**
 * From new findings to incidents: gathers what `decideTrigger` needs from the catalog and the
 * config, and acts on its decision — a proposal (an incident row with status `proposed`, nothing
 * run; `holdfast incident approve <id>` runs it) or, where the policy says so, a run. This is the
 * call for the place SARIF is ingested (the control plane's upload already knows which findings
 * are new); a refused plan (no clean restore point) proposes nothing and says why.
 *
 * `proposeForReport` is what every place that ingests one report calls — the control plane's
 * upload and `holdfast sast ingest --config`: the report's new findings, most severe first, with
 * at most one proposal per volume (withdraw.ts); the caller alerts or prints.
 */
import { isHoldfastError } from '../base/errors.js';
import { IncidentStore } from '../catalog/incidents.js';
import { compareSeverity, type Severity } from '../sast/index.js';
import { loadPlaybook, planIncident } from './plan.js';
import { newIncidentId, runIncident, type RunnerDeps } from './runner.js';
import { decideTrigger, type TriggerDecision, type TriggerPolicy } from './trigger.js';
import type { IncidentParams } from './facts.js';
import { decideWithdraw } from './withdraw.js';

export interface TriggerOutcome {
  findingId: string;
  decision: TriggerDecision;
  /**
   * `coveredBy`: an earlier finding of the same scan stream whose incident (or refusal) on this
   * volume stands for this one too; nothing was planned or written for it.
   */
  incidents: { id?: string; volume: string; status: 'proposed' | 'succeeded' | 'refused'; message: string; coveredBy?: string }[];
}

export async function onNewFindings(d: RunnerDeps, findingIds: readonly string[], policy: TriggerPolicy, playbookSource = 'restore-secure-and-rotate'): Promise<TriggerOutcome[]> {
  const store = new IncidentStore(d.catalog.db, () => d.clock.now());
  const { config } = d.loaded;
  const out: TriggerOutcome[] = [];
  // New findings of one stream (ref, tool, category) were all first seen by the same scan, so the
  // versions that carry them, the restore point before them and the plan are the same: plan once
  // per stream and volume. A report with 60k high findings planned (and wrote, and withdrew) 60k
  // incidents, each reading every finding of the version: over 20 minutes, with serve stalled.
  const planned = new Map<string, { findingId: string; incident: TriggerOutcome['incidents'][number] }>();
  // Read once for the whole report, and again only after an incident ran (it restarts workloads):
  // per finding, a report's 1000 new findings held serve's event loop for 0.5 s on a quiet machine
  // and over 2 s under load, with /healthz waiting behind them.
  const readDeployments = () => {
    const mounting = Object.keys(config.volumes).map((v) => [v, d.catalog.deployments.workloadsMounting(v)] as const);
    const volumesOf = (workload: string) => [...new Set([...(config.workloads[workload]?.volumes ?? []), ...mounting.filter(([, ws]) => ws.includes(workload)).map(([v]) => v)])];
    return d.catalog.deployments.timeline().map((x) => ({ commit: x.commit, workload: x.workload, running: !x.endedAt, volumes: volumesOf(x.workload) }));
  };
  let deployed = readDeployments();
  let read = 0;
  for (const id of findingIds) {
    // Serve answers between batches: what is left is the trigger's own work, not a stall.
    if (++read % 100 === 0) await new Promise((r) => setImmediate(r));
    const f = d.catalog.sast.getFinding(id);
    if (!f) continue;
    const deployments = deployed.filter((x) => x.commit === f.lastSeenCommit).map(({ workload, running, volumes }) => ({ workload, running, volumes }));
    const active = Object.keys(config.volumes).filter((v) => store.active(v));
    const decision = decideTrigger({ finding: { id, severity: f.severity as Severity, state: f.state, isNew: true }, deployments, activeIncidentVolumes: active, policy });
    const incidents: TriggerOutcome['incidents'] = [];
    for (const volume of decision.volumes) {
      const key = [f.ref, f.tool, f.category, volume].join('\u0000');
      const first = planned.get(key);
      if (first) {
        incidents.push({ ...first.incident, coveredBy: first.findingId });
        continue;
      }
      const incident = await incidentFor(d, store, id, volume, decision, playbookSource);
      incidents.push(incident);
      planned.set(key, { findingId: id, incident });
      if (decision.action === 'auto-run') deployed = readDeployments();
    }
    out.push({ findingId: id, decision, incidents });
  }
  return out;
}

/** One finding's incident on one volume: run (auto-run), proposed, or refused with why. */
async function incidentFor(
  d: RunnerDeps,
  store: IncidentStore,
  findingId: string,
  volume: string,
  decision: TriggerDecision,
  playbookSource: string,
): Promise<TriggerOutcome['incidents'][number]> {
  const params: IncidentParams = { volume, target: { findingId }, onUnknown: 'refuse', rotateCa: false, healthPath: '/healthz' };
  try {
    if (decision.action === 'auto-run') {
      const r = await runIncident(d, params, playbookSource);
      return { id: r.incident.id, volume, status: 'succeeded', message: r.incident.message ?? '' };
    }
    const pb = loadPlaybook(playbookSource);
    const { plan } = planIncident(d.loaded, d.catalog, params, pb);
    const row = store.create({ id: newIncidentId(d.clock.now()), playbook: pb.playbook, volume, status: 'proposed', configFile: d.loaded.file, params: { ...params, playbookSource, playbookText: pb.text }, steps: pb.order.map((s) => ({ step: s, uses: pb.steps.find((x) => x.id === s)!.uses })) });
    store.setStatus(row.id, 'proposed', { message: `proposed: ${decision.message}; restore point ${plan.choice.snapshotId}` });
    d.catalog.audit.append({ actor: 'trigger', action: 'incident.proposed', object: `incident:${row.id}`, details: { finding: findingId, volume, restorePoint: plan.choice.snapshotId } });
    return { id: row.id, volume, status: 'proposed', message: decision.message };
  } catch (e) {
    if (!isHoldfastError(e)) throw e;
    return { volume, status: 'refused', message: e.message };
  }
}

/** A proposal withdrawn: journaled as aborted (nothing ran) and audited. */
export function withdrawProposal(d: Pick<RunnerDeps, 'catalog' | 'clock'>, id: string, reason: string, message: string): void {
  new IncidentStore(d.catalog.db, () => d.clock.now()).setStatus(id, 'aborted', { message });
  d.catalog.audit.append({ actor: 'trigger', action: 'incident.withdrawn', object: `incident:${id}`, details: { reason, message } });
}

export interface ReportProposals {
  outcomes: TriggerOutcome[];
  /** One per volume, for its most severe new finding; `alsoFindings` are the others it covers. */
  proposed: { id: string; volume: string; findingId: string; message: string; alsoFindings: string[] }[];
  /** No incident could be planned (e.g. no clean restore point): why. */
  refused: { volume: string; findingId: string; message: string }[];
  /** Second proposals for a volume from this report, withdrawn in favour of the first. */
  withdrawn: { id: string; volume: string; findingId: string; message: string }[];
}

/**
 * One report's new findings to proposals: most severe first, so the proposal kept for a volume is
 * the one for its worst finding; the others on that volume are withdrawn naming it. Proposes only
 * (no auto-run here: a caller that may run incidents approves a proposal itself).
 */
export async function proposeForReport(d: RunnerDeps, findingIds: readonly string[], policy: { threshold: Severity }): Promise<ReportProposals> {
  const out: ReportProposals = { outcomes: [], proposed: [], refused: [], withdrawn: [] };
  if (findingIds.length === 0) return out;
  // Read once each: the comparator would read a finding twice per comparison.
  const severities = new Map(findingIds.map((id) => [id, (d.catalog.sast.getFinding(id)?.severity ?? 'low') as Severity]));
  const ids = [...findingIds].sort((a, b) => compareSeverity(severities.get(a)!, severities.get(b)!));
  out.outcomes = await onNewFindings(d, ids, { threshold: policy.threshold });
  const store = new IncidentStore(d.catalog.db, () => d.clock.now());
  const kept = new Map<string, ReportProposals['proposed'][number]>();
  const refusedCovering = new Map<string, number>();
  for (const o of out.outcomes)
    for (const inc of o.incidents) {
      if (inc.coveredBy) {
        // Its stream's first finding decided for it: listed with that proposal, or counted with that refusal.
        if (inc.status === 'refused') refusedCovering.set(`${inc.coveredBy}\u0000${inc.volume}`, (refusedCovering.get(`${inc.coveredBy}\u0000${inc.volume}`) ?? 0) + 1);
        else kept.get(inc.volume)?.alsoFindings.push(o.findingId);
        continue;
      }
      if (inc.status === 'refused' || !inc.id) {
        out.refused.push({ volume: inc.volume, findingId: o.findingId, message: inc.message });
        // Audited so the refusal outlives the upload's response: the overview stays degraded on it.
        d.catalog.audit.append({ actor: 'trigger', action: 'incident.refused', object: `volume:${inc.volume}`, details: { finding: o.findingId, volume: inc.volume, message: inc.message } });
        continue;
      }
      const first = kept.get(inc.volume);
      const w = decideWithdraw({ proposal: { id: inc.id, volume: inc.volume, findingId: o.findingId }, keptForUpload: first?.id, stillDeployed: true });
      if (w.withdraw) {
        withdrawProposal(d, inc.id, w.reason, w.message);
        d.log(w.message);
        first!.alsoFindings.push(o.findingId);
        out.withdrawn.push({ id: inc.id, volume: inc.volume, findingId: o.findingId, message: w.message });
        continue;
      }
      const p = { id: inc.id, volume: inc.volume, findingId: o.findingId, message: store.require(inc.id).message ?? inc.message, alsoFindings: [] };
      kept.set(inc.volume, p);
      out.proposed.push(p);
    }
  for (const r of out.refused) {
    const more = refusedCovering.get(`${r.findingId}\u0000${r.volume}`);
    if (more) r.message += ` (the same for ${more} more new finding(s) of the same scan)`;
  }
  return out;
}
