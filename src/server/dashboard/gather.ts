/**
 * What each dashboard page shows, read from the control plane into plain data: the page modules
 * render that data and never see the control plane (only this file and the routes do).
 */
import { FindingHistory } from '../../catalog/finding-history.js';
import type { RunKind, RunStatus } from '../../catalog/run-history.js';
import { severities } from '../../sast/severity.js';
import type { ControlPlane } from '../control-plane.js';
import type { FindingsQuery } from '../views/findings-query.js';
import { findingsPaged } from '../views/findings-paged.js';
import { certificateViews, volumeViews } from '../views/health.js';
import { overview } from '../views/overview.js';
import { overviewSource } from '../views/sources.js';
import { timeline } from '../views/timeline.js';
import { backupSeries, certificateSpans, openFindingsOverTime } from './charts/data.js';
import type { CertificateViewDeps } from '../views/health.js';
import type { FindingsPage, FindingsView } from './findings-page.js';
import { incidentsSection } from './incidents.js';
import type { OverviewPage } from './overview-page.js';
import type { JobLine, RunsFilter } from './runs-page.js';

export function findingsOverTime(cp: ControlPlane) {
  return openFindingsOverTime(new FindingHistory(cp.d.catalog.db).lifetimes(), severities, cp.d.clock.now().getTime());
}

export async function overviewData(cp: ControlPlane): Promise<OverviewPage> {
  return {
    o: await overview(overviewSource(cp)),
    now: cp.d.clock.now(),
    incidents: incidentsSection(cp),
    findings: findingsOverTime(cp),
    recent: timeline(cp, 12, 4),
  };
}

const backupRuns = (cp: ControlPlane, target?: string) => backupSeries(cp.runs.list({ kind: 'backup', status: 'succeeded', target, limit: 500 }));

export function volumesData(cp: ControlPlane) {
  return { vols: volumeViews(cp, { points: 10 }), series: backupRuns(cp), now: cp.d.clock.now() };
}

export function volumeData(cp: ControlPlane, name: string) {
  if (!cp.config.volumes[name]) return undefined;
  const v = volumeViews(cp, { points: 500 }).find((x) => x.name === name)!;
  return { v, series: backupRuns(cp, name), now: cp.d.clock.now() };
}

export async function certificatesData(cp: CertificateViewDeps & Pick<ControlPlane, 'rotationStatus'>) {
  return { certs: await certificateViews(cp), spans: certificateSpans(cp.evidence.certificateEvents({ limit: 500 })), rotation: await cp.rotationStatus(), now: cp.clock.now() };
}

export function findingsData(cp: ControlPlane, q: FindingsQuery, view: FindingsView): FindingsPage {
  // Paged in SQL: the view shows a page or the rule groups, never every finding.
  const r = findingsPaged(cp, q, { page: view === 'list', groups: view === 'rules' });
  return {
    q,
    view,
    page: r.page,
    groups: r.groups,
    options: { tools: r.tools, workloads: Object.keys(cp.config.workloads) },
    chart: findingsOverTime(cp),
    now: cp.d.clock.now(),
  };
}

const runKinds: readonly string[] = ['backup', 'verify', 'certificate', 'report', 'prune'];
const runStatuses: readonly string[] = ['running', 'succeeded', 'failed', 'missed'];

export function runsData(cp: ControlPlane, f: RunsFilter) {
  const jobs: JobLine[] = cp.scheduler.list().map((j) => ({
    id: j.id,
    schedule: j.schedule,
    next: j.next,
    running: j.running,
    queued: j.queued,
    last: cp.runs.list({ kind: j.kind, policy: j.policy, target: j.target, limit: 1 })[0],
  }));
  // An unknown kind or status in the URL shows every run rather than none.
  const kind = runKinds.includes(f.kind ?? '') ? (f.kind as RunKind) : undefined;
  const status = runStatuses.includes(f.status ?? '') ? (f.status as RunStatus) : undefined;
  const runs = cp.runs.list({ kind, status, target: f.target || undefined, limit: 200 });
  return { jobs, runs, filter: { kind, status, target: f.target || undefined }, now: cp.d.clock.now() };
}
