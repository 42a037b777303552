/**
 * Proposals made outside this server — `holdfast sast ingest --config` in a CI job, which has no
 * webhooks — are alerted by the health sweep, so an incident awaiting approval pages whoever the
 * upload's proposals would have paged. The upload alerts its own proposals at once (same event and
 * key: the incident id), so this only ever sends for a proposal nobody alerted yet.
 */
import type { JobDeps } from './deps.js';

/**
 * A proposal is left to settle before it is alerted: the process that made it withdraws its second
 * proposals for a volume right after writing them (one per volume per report), and a sweep in
 * between must not page about one that is about to be withdrawn.
 */
export const PROPOSAL_SETTLE_MS = 10_000;

export function decideProposalAlert(i: {
  incident: { id: string; status: string; updatedAt: string };
  now: Date;
  alreadyAlerted: boolean;
}): { alert: boolean; reason: string; message: string } {
  const inc = `incident ${i.incident.id}`;
  if (i.incident.status !== 'proposed') return { alert: false, reason: 'NotProposed', message: `${inc} is ${i.incident.status}` };
  if (i.alreadyAlerted) return { alert: false, reason: 'Alerted', message: `${inc}: its proposal was alerted already` };
  if (i.now.getTime() - new Date(i.incident.updatedAt).getTime() < PROPOSAL_SETTLE_MS)
    return { alert: false, reason: 'Settling', message: `${inc} was proposed moments ago: alerted once it has settled` };
  return { alert: true, reason: 'Unalerted', message: `${inc} awaits approval and no alert has been sent for it` };
}

export function alertUnalertedProposals(cp: Pick<JobDeps, 'catalog' | 'clock' | 'incidents' | 'evidence' | 'alerter'>): void {
  const now = cp.clock.now();
  for (const i of cp.incidents.list({ limit: 500 })) {
    if (i.status !== 'proposed') continue;
    const alreadyAlerted = cp.evidence.alerts({ event: 'incident-proposed', key: i.id, limit: 1 }).length > 0;
    if (!decideProposalAlert({ incident: i, now, alreadyAlerted }).alert) continue;
    const finding = (i.params.target as { findingId?: string } | undefined)?.findingId;
    const f = finding ? cp.catalog.sast.getFinding(finding) : undefined;
    cp.alerter.fire({
      event: 'incident-proposed',
      key: i.id,
      severity: 'critical',
      summary: `incident ${i.id} proposed for volume ${i.volume} outside this server (e.g. holdfast sast ingest --config): ${i.message ?? 'awaiting approval'}; approve with POST /api/v1/incidents/${i.id}/approve`,
      details: { incident: i.id, finding, rule: f?.ruleId, severity: f?.severity, volume: i.volume, plan: i.message, autoRun: false },
    });
  }
}
