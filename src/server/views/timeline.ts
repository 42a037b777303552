/**
 * One timeline of everything that happened: deploys, scans, backups, verifications, certificate
 * rotations, alerts, incidents. Newest first. Routine entries (successful backups and verifications, probes)
 * can be capped separately, so a backup every minute does not push last week's deploy off the page.
 */
import type { ControlPlane } from '../control-plane.js';

export interface TimelineEntry {
  time: string;
  type: 'deploy' | 'scan' | 'backup' | 'prune' | 'verification' | 'certificate' | 'alert' | 'missed' | 'report' | 'incident';
  status: 'ok' | 'failed' | 'info';
  title: string;
  detail: string;
}

const RUN_TYPE: Partial<Record<string, TimelineEntry['type']>> = { verify: 'verification', report: 'report', prune: 'prune' };

export function timeline(cp: ControlPlane, limit = 200, routine = limit): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const c = cp.d.catalog;
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
  // An incident as it stands now (proposed, running, failed, finished), at its last change.
  for (const i of cp.incidents.list({ limit }))
    out.push({
      time: new Date(i.finishedAt ?? i.updatedAt).toISOString(),
      type: 'incident',
      status: i.status === 'succeeded' ? 'ok' : i.status === 'failed' || i.interrupted ? 'failed' : 'info',
      title: `incident ${i.id} on ${i.volume}: ${i.interrupted ? 'interrupted' : i.status}`,
      detail: i.message ?? '',
    });
  out.sort((a, b) => b.time.localeCompare(a.time));
  const isRoutine = (e: TimelineEntry) =>
    e.status === 'ok' && (e.type === 'backup' || e.type === 'verification' || e.type === 'report');
  let routineLeft = routine;
  return out.filter((e) => !isRoutine(e) || routineLeft-- > 0).slice(0, limit);
}
