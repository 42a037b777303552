/**
 * One timeline of everything that happened: deploys, scans, backups, verifications, certificate
 * rotations, alerts, incidents — and the trigger's decisions about incidents, with their reason:
 * a proposal, one withdrawn, and a report whose finding got none (refused: no row exists for
 * it, so it comes from the audit trail, as the overview reads it). Newest first. Routine entries
 * (successful backups and verifications, probes) can be capped separately, so a backup every minute does not push last week's deploy off the page.
 */
import type { AuditEvent } from '../../catalog/index.js';
import type { IncidentSummary } from '../engines/incidents.js';
import type { ReadDeps } from './deps.js';
import type { RefusedProposal } from './overview-decide.js';
import { refusalsOf } from './sources.js';

export interface TimelineEntry {
  time: string;
  type: 'deploy' | 'scan' | 'backup' | 'prune' | 'verification' | 'certificate' | 'alert' | 'missed' | 'report' | 'incident' | 'rebuild' | 'review';
  status: 'ok' | 'failed' | 'info';
  title: string;
  detail: string;
  /** On an incident entry the trigger decided: proposed (awaiting approval), withdrawn or refused (none made). */
  decision?: 'proposed' | 'withdrawn' | 'refused' | undefined;
  /** Why, for a withdrawn or refused one: the sentence the trigger wrote. */
  reason?: string | undefined;
  /** The incident (absent for a refusal) and the finding the decision is about, when known. */
  incident?: string | undefined;
  finding?: string | undefined;
}

/** An incident as it stands now (proposed, running, failed, finished), at its last change; `withdrawn`: the trigger's audit event, when it withdrew it. */
export function incidentEntry(i: Pick<IncidentSummary, 'id' | 'volume' | 'status' | 'interrupted' | 'message' | 'finishedAt' | 'updatedAt' | 'params'>, withdrawn?: AuditEvent): TimelineEntry {
  const finding = (i.params.target as { findingId?: string } | undefined)?.findingId;
  const reason = withdrawn ? String(withdrawn.details.message ?? withdrawn.details.reason ?? '') : undefined;
  const state = i.interrupted ? 'interrupted' : withdrawn ? 'withdrawn' : i.status;
  return {
    time: new Date(i.finishedAt ?? i.updatedAt).toISOString(),
    type: 'incident',
    status: i.status === 'succeeded' ? 'ok' : i.status === 'failed' || i.interrupted ? 'failed' : 'info',
    title: `incident ${i.id} on ${i.volume}: ${state}`,
    detail: reason ?? i.message ?? '',
    decision: withdrawn ? 'withdrawn' : i.status === 'proposed' ? 'proposed' : undefined,
    reason,
    incident: i.id,
    finding,
  };
}

/** A finding the trigger made no incident for (audited: no incident row exists): a vulnerable version runs and nothing will restore it on its own. */
export function refusalEntry(r: RefusedProposal, finding?: { severity: string; ruleId: string }): TimelineEntry {
  return {
    time: r.time,
    type: 'incident',
    status: 'failed',
    title: `no incident for ${r.volume}: refused`,
    detail: `finding ${r.findingId}${finding ? ` (${finding.severity} ${finding.ruleId})` : ''}: ${r.message}`,
    decision: 'refused',
    reason: r.message,
    finding: r.findingId,
  };
}

/** `holdfast catalog rebuild`: what came back from the repository, and whether anything did not. */
export function rebuildEntry(e: AuditEvent): TimelineEntry {
  const d = e.details as { location?: string; restorePoints?: number; records?: Record<string, number>; missing?: number; skipped?: number };
  const records = Object.values(d.records ?? {}).reduce((a, b) => a + b, 0);
  const gaps = (d.missing ?? 0) + (d.skipped ?? 0);
  return {
    time: e.time,
    type: 'rebuild',
    status: gaps ? 'failed' : 'ok',
    title: `catalog rebuilt from ${d.location ?? e.object}`,
    detail: `${d.restorePoints ?? 0} restore point(s), ${records} record(s)` + (gaps ? `; ${d.missing ?? 0} missing and ${d.skipped ?? 0} skipped (unknown stays unknown; \`holdfast catalog rebuild\` names each)` : ''),
  };
}

/** A person cleared a suspicious restore point as a false positive, or took that back. */
export function reviewEntry(e: AuditEvent): TimelineEntry {
  const d = e.details as { volume?: string; reason?: string };
  const snapshot = e.object.replace(/^restore-point:/, '');
  const cleared = e.action === 'restore-point.suspicion-cleared';
  return {
    time: e.time,
    type: 'review',
    status: 'info',
    title: `restore point ${snapshot.slice(0, 12)} of ${d.volume ?? '?'}: ${cleared ? 'suspicion cleared' : 'suspicious again'} by ${e.actor}`,
    detail: d.reason ?? '',
  };
}

const RUN_TYPE: Partial<Record<string, TimelineEntry['type']>> = { verify: 'verification', report: 'report', prune: 'prune' };

export type TimelineDeps = Pick<ReadDeps, 'catalog' | 'runs' | 'incidents'> & { evidence: Pick<ReadDeps['evidence'], 'certificateEvents' | 'alerts'> };

export function timeline(cp: TimelineDeps, limit = 200, routine = limit): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const c = cp.catalog;
  for (const d of c.deployments.timeline())
    out.push({
      time: d.startedAt,
      type: 'deploy',
      status: 'info',
      title: `deploy ${d.workload}`,
      detail: `commit ${d.commit.slice(0, 12)}${d.imageDigest ? ` image ${d.imageDigest.slice(0, 19)}…` : ''}`,
    });
  for (const v of c.versions.list())
    for (const s of c.sast.scansOfVersion(v.id))
      out.push({
        time: s.scanTime.toISOString(),
        type: 'scan',
        status: s.status === 'complete' ? 'ok' : 'failed',
        title: `scan ${s.tool} of ${s.repository}`,
        detail: `commit ${s.commit.slice(0, 12)}: ${s.resultCount} result(s), ${s.status}`,
      });
  for (const r of cp.runs.list({ limit: limit * 2 })) {
    if (r.status === 'running' || r.kind === 'certificate') continue;
    const type = r.status === 'missed' ? 'missed' : (RUN_TYPE[r.kind] ?? 'backup');
    const detail =
      r.status === 'succeeded'
        ? r.kind === 'backup'
          ? `snapshot ${r.snapshotId?.slice(0, 12)}, ${r.bytes ?? 0} bytes`
          : (r.message ?? 'ok')
        : `${r.reason ?? ''}: ${r.message ?? ''}`;
    out.push({
      time: (r.finishedAt ?? r.scheduledFor).toISOString(),
      type,
      // A run skipped while an incident held its volume was not lost to a fault: information, not a failure.
      status: r.status === 'succeeded' ? 'ok' : r.reason === 'IncidentActive' ? 'info' : 'failed',
      title: `${r.kind} ${r.policy}/${r.target}`,
      detail,
    });
  }
  for (const e of cp.evidence.certificateEvents({ limit }))
    out.push({
      time: e.time.toISOString(),
      type: 'certificate',
      status: 'info',
      title: `certificate ${e.name} ${e.action}`,
      detail: e.message,
    });
  for (const a of cp.evidence.alerts({ limit }))
    out.push({
      time: a.time.toISOString(),
      type: 'alert',
      status: a.status === 'failed' ? 'failed' : 'info',
      title: `alert ${a.event} → ${a.webhook}`,
      detail: `${String(a.payload.summary ?? '')} (${a.status}, ${a.attempts} attempt(s))`,
    });
  // A rebuild and a cleared suspicion happen outside any scheduled run: the audit trail has them.
  for (const e of c.audit.list({ action: 'catalog.rebuild', limit })) out.push(rebuildEntry(e));
  for (const e of [...c.audit.list({ action: 'restore-point.suspicion-cleared', limit }), ...c.audit.list({ action: 'restore-point.suspicion-restored', limit })]) out.push(reviewEntry(e));
  const withdrawn = new Map(c.audit.list({ action: 'incident.withdrawn', limit }).map((e) => [e.object.replace(/^incident:/, ''), e]));
  for (const i of cp.incidents.list({ limit })) out.push(incidentEntry(i, i.status === 'aborted' ? withdrawn.get(i.id) : undefined));
  for (const r of refusalsOf(cp, limit)) out.push(refusalEntry(r, c.sast.getFinding(r.findingId)));
  out.sort((a, b) => b.time.localeCompare(a.time));
  const isRoutine = (e: TimelineEntry) =>
    e.status === 'ok' && (e.type === 'backup' || e.type === 'verification' || e.type === 'report');
  let routineLeft = routine;
  return out.filter((e) => !isRoutine(e) || routineLeft-- > 0).slice(0, limit);
}
