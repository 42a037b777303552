/**
 * From a SARIF upload's new findings to incidents, for the control plane: src/playbook's
 * proposeForReport decides and writes the proposals — one per volume, for its most severe finding
 * (the others withdrawn, naming it), the same rule `holdfast sast ingest --config` applies — never
 * running anything itself here: an auto-run is a proposal the policy then approves, in the
 * background, so the upload answers at once and the 409 guard is the same as for a person. Every
 * proposal and every refusal is alerted, and a successful incident withdraws the proposals its
 * restore made moot (decideWithdraw).
 */
import type { Logger } from '../../base/log.js';
import type { IncidentRow, IncidentStore } from '../../catalog/incidents.js';
import { decideWithdraw, proposeForReport, withdrawProposal, type ReportProposals, type RunnerDeps } from '../../playbook/index.js';
import type { Severity } from '../../sast/index.js';
import type { Alerter } from '../alerts/alerter.js';
import { decideAutoRun, type AutoRunPolicy } from './incident-decisions.js';

/** What a SARIF upload did about incidents: listed in the upload's response. */
export interface UploadIncidents {
  proposed: { id: string; volume: string; findingId: string; message: string; autoRun: boolean; autoRunMessage: string; alsoFindings: string[] }[];
  refused: { volume: string; findingId: string; message: string }[];
  /** Second proposals for a volume from this upload, withdrawn in favour of the first. */
  withdrawn: { id: string; volume: string; findingId: string; message: string }[];
  /** Time from the upload's findings to the proposals being in the journal (and their alerts queued). */
  triggerMs: number;
  /** Set when the trigger itself failed (the report is ingested all the same; alerted). */
  error?: string;
}

export interface TriggerDeps {
  runner: RunnerDeps;
  store: IncidentStore;
  alerter: Pick<Alerter, 'fire'>;
  log: Logger;
  policy: { threshold: Severity; autoRun: AutoRunPolicy };
  approve(id: string, actor: string): Promise<unknown>;
}

function withdraw(d: TriggerDeps, id: string, reason: string, message: string): void {
  withdrawProposal(d.runner, id, reason, message);
  d.log.info(message, { incident: id });
}

export async function proposeForUpload(d: TriggerDeps, findingIds: readonly string[]): Promise<UploadIncidents> {
  const t0 = performance.now();
  const out: UploadIncidents = { proposed: [], refused: [], withdrawn: [], triggerMs: 0 };
  if (findingIds.length === 0) return out;
  const sast = d.runner.catalog.sast;
  const severity = (id: string) => (sast.getFinding(id)?.severity ?? 'low') as Severity;
  let r: ReportProposals;
  try {
    r = await proposeForReport(d.runner, findingIds, { threshold: d.policy.threshold });
  } catch (e) {
    // The report is ingested already: failing the upload would make CI send it again, and a
    // re-upload has no new findings, so the incident would be lost. Say so instead, loudly.
    const message = `incident trigger for ${findingIds.length} new finding(s) failed: ${e instanceof Error ? e.message : String(e)}`;
    d.log.error(message, { stack: e instanceof Error ? e.stack : undefined });
    d.alerter.fire({ event: 'incident-refused', key: `trigger:${findingIds.join(',')}`, severity: 'critical', summary: message, details: { findings: findingIds } });
    return { ...out, error: message, triggerMs: Math.round(performance.now() - t0) };
  }
  for (const x of r.refused) {
    const f = sast.getFinding(x.findingId);
    out.refused.push(x);
    const summary = `no incident proposed for volume ${x.volume} (finding ${x.findingId}, ${f ? `${f.severity} ${f.ruleId}` : 'unknown'}): ${x.message}`;
    // A vulnerable version runs and nothing will restore it on its own: the log says so too.
    d.log.warn(summary, { finding: x.findingId, volume: x.volume });
    d.alerter.fire({
      event: 'incident-refused',
      key: `${x.findingId}:${x.volume}`,
      severity: 'critical',
      summary,
      details: { finding: x.findingId, rule: f?.ruleId, severity: f?.severity, volume: x.volume, reason: x.message },
    });
  }
  out.withdrawn = r.withdrawn;
  for (const p of r.proposed) {
    const auto = decideAutoRun(d.policy.autoRun, severity(p.findingId), p.volume);
    out.proposed.push({ ...p, autoRun: auto.run, autoRunMessage: auto.message });
  }
  // Alerted once the upload's proposals are settled, so an alert names every finding it covers.
  for (const p of out.proposed) {
    const f = sast.getFinding(p.findingId);
    d.alerter.fire({
      event: 'incident-proposed',
      key: p.id,
      severity: 'critical',
      summary: `incident ${p.id} proposed for volume ${p.volume}: ${r.outcomes.find((o) => o.findingId === p.findingId)?.decision.message ?? p.message}${p.alsoFindings.length ? ` (and ${p.alsoFindings.length} more finding(s) of this upload)` : ''}; ${p.autoRun ? 'auto-run by policy' : `approve with POST /api/v1/incidents/${p.id}/approve`}`,
      details: { incident: p.id, finding: p.findingId, alsoFindings: p.alsoFindings, rule: f?.ruleId, severity: f?.severity, volume: p.volume, plan: p.message, autoRun: p.autoRun },
    });
  }
  out.triggerMs = Math.round(performance.now() - t0);
  for (const p of out.proposed.filter((x) => x.autoRun))
    await d.approve(p.id, 'incidents.autoRun').catch((e: unknown) => d.log.warn(`auto-run of incident ${p.id}: ${e instanceof Error ? e.message : String(e)}`));
  return out;
}

/** After `done` succeeded: withdraw the other proposals on its volume whose version is no longer deployed. */
export function withdrawResolved(d: TriggerDeps, done: IncidentRow): void {
  if (done.status !== 'succeeded') return;
  const { catalog, loaded } = d.runner;
  const writers = new Set(Object.entries(loaded.config.workloads).filter(([, w]) => w.volumes.includes(done.volume)).map(([n]) => n));
  const running = catalog.deployments.timeline().filter((x) => !x.endedAt && writers.has(x.workload));
  for (const p of d.store.list(1000).filter((r) => r.status === 'proposed' && r.volume === done.volume)) {
    const findingId = (p.params.target as { findingId?: string } | undefined)?.findingId;
    const commit = findingId ? catalog.sast.getFinding(findingId)?.lastSeenCommit : undefined;
    const w = decideWithdraw({ proposal: { id: p.id, volume: p.volume, findingId }, succeeded: done.id, stillDeployed: !commit || running.some((x) => x.commit === commit) });
    if (w.withdraw) withdraw(d, p.id, w.reason, w.message);
  }
}
