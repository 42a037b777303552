/**
 * From a SARIF upload's new findings to incidents, for the control plane: src/playbook's
 * onNewFindings decides and writes the proposals — never running anything itself here: an auto-run
 * is a proposal the policy then approves, in the background, so the upload answers at once and the
 * 409 guard is the same as for a person. Every proposal and every refusal is alerted. One upload
 * proposes one incident per volume (the most severe finding's; the others are withdrawn, naming
 * it), and a successful incident withdraws the proposals its restore made moot (decideWithdraw).
 */
import type { Logger } from '../../base/log.js';
import type { IncidentRow, IncidentStore } from '../../catalog/incidents.js';
import { onNewFindings, type RunnerDeps, type TriggerOutcome } from '../../playbook/index.js';
import { compareSeverity, type Severity } from '../../sast/index.js';
import type { Alerter } from '../alerts/alerter.js';
import { decideAutoRun, decideWithdraw, type AutoRunPolicy } from './incident-decisions.js';

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
  d.store.setStatus(id, 'aborted', { message });
  d.runner.catalog.audit.append({ actor: 'trigger', action: 'incident.withdrawn', object: `incident:${id}`, details: { reason } });
  d.log.info(message, { incident: id });
}

export async function proposeForUpload(d: TriggerDeps, findingIds: readonly string[]): Promise<UploadIncidents> {
  const t0 = performance.now();
  const out: UploadIncidents = { proposed: [], refused: [], withdrawn: [], triggerMs: 0 };
  if (findingIds.length === 0) return out;
  const sast = d.runner.catalog.sast;
  const severity = (id: string) => (sast.getFinding(id)?.severity ?? 'low') as Severity;
  // Most severe first: the proposal kept for a volume is the one for its worst finding.
  const ids = [...findingIds].sort((a, b) => compareSeverity(severity(a), severity(b)));
  let outcomes: TriggerOutcome[];
  try {
    outcomes = await onNewFindings(d.runner, ids, { threshold: d.policy.threshold });
  } catch (e) {
    // The report is ingested already: failing the upload would make CI send it again, and a
    // re-upload has no new findings, so the incident would be lost. Say so instead, loudly.
    const message = `incident trigger for ${ids.length} new finding(s) failed: ${e instanceof Error ? e.message : String(e)}`;
    d.log.error(message, { stack: e instanceof Error ? e.stack : undefined });
    d.alerter.fire({ event: 'incident-refused', key: `trigger:${ids.join(',')}`, severity: 'critical', summary: message, details: { findings: ids } });
    return { ...out, error: message, triggerMs: Math.round(performance.now() - t0) };
  }
  const kept = new Map<string, UploadIncidents['proposed'][number]>();
  for (const o of outcomes) {
    const f = sast.getFinding(o.findingId);
    for (const inc of o.incidents) {
      if (inc.status === 'refused' || !inc.id) {
        out.refused.push({ volume: inc.volume, findingId: o.findingId, message: inc.message });
        d.alerter.fire({
          event: 'incident-refused',
          key: `${o.findingId}:${inc.volume}`,
          severity: 'critical',
          summary: `no incident proposed for volume ${inc.volume} (finding ${o.findingId}, ${f ? `${f.severity} ${f.ruleId}` : 'unknown'}): ${inc.message}`,
          details: { finding: o.findingId, rule: f?.ruleId, severity: f?.severity, volume: inc.volume, reason: inc.message },
        });
        continue;
      }
      const first = kept.get(inc.volume);
      const w = decideWithdraw({ proposal: { id: inc.id, volume: inc.volume, findingId: o.findingId }, keptForUpload: first?.id, stillDeployed: true });
      if (w.withdraw) {
        withdraw(d, inc.id, w.reason, w.message);
        first!.alsoFindings.push(o.findingId);
        out.withdrawn.push({ id: inc.id, volume: inc.volume, findingId: o.findingId, message: w.message });
        continue;
      }
      const auto = decideAutoRun(d.policy.autoRun, severity(o.findingId), inc.volume);
      const p = { id: inc.id, volume: inc.volume, findingId: o.findingId, message: d.store.require(inc.id).message ?? inc.message, autoRun: auto.run, autoRunMessage: auto.message, alsoFindings: [] };
      kept.set(inc.volume, p);
      out.proposed.push(p);
    }
  }
  // Alerted once the upload's proposals are settled, so an alert names every finding it covers.
  for (const p of out.proposed) {
    const f = sast.getFinding(p.findingId);
    d.alerter.fire({
      event: 'incident-proposed',
      key: p.id,
      severity: 'critical',
      summary: `incident ${p.id} proposed for volume ${p.volume}: ${outcomes.find((o) => o.findingId === p.findingId)?.decision.message ?? p.message}${p.alsoFindings.length ? ` (and ${p.alsoFindings.length} more finding(s) of this upload)` : ''}; ${p.autoRun ? 'auto-run by policy' : `approve with POST /api/v1/incidents/${p.id}/approve`}`,
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
