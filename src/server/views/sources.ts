/**
 * Where the views that take plain data meet the control plane: the one file that turns a
 * ControlPlane into their small source interfaces, so those views (and their tests) never
 * import it.
 */
import type { ControlPlane } from '../control-plane.js';
import { findingViews, volumeViews, certificateViews } from './health.js';
import type { OverviewSource } from './overview.js';
import type { RefusedProposal } from './overview-decide.js';
import { versionVerdict } from './verdict.js';

/** Refusals as the trigger audits them (src/playbook/propose.ts), newest first. */
export function refusalsOf(cp: Pick<ControlPlane, 'd'>, limit = 200): RefusedProposal[] {
  return cp.d.catalog.audit.list({ action: 'incident.refused', limit }).map((e) => ({
    time: e.time,
    volume: String(e.details.volume ?? e.object.replace(/^volume:/, '')),
    findingId: String(e.details.finding ?? ''),
    message: String(e.details.message ?? ''),
  }));
}

export function overviewSource(cp: ControlPlane): OverviewSource {
  return {
    now: () => cp.d.clock.now(),
    startedAt: cp.startedAt,
    threshold: cp.config.sast.blockAt,
    volumes: () => volumeViews(cp, { points: 1 }),
    certificates: () => certificateViews(cp),
    openFindings: () => findingViews(cp),
    deployed: () =>
      cp.d.catalog.deployments
        .timeline()
        .filter((d) => !d.endedAt)
        .map((d) => ({ workload: d.workload, commit: d.commit, findings: versionVerdict(cp, d.commit).findings })),
    refusals: () => refusalsOf(cp),
    findingState: (id) => cp.d.catalog.sast.getFinding(id)?.state,
    incidents: () =>
      cp.incidents.list({ limit: 1000 }).map((i) => ({ id: i.id, volume: i.volume, status: i.status, interrupted: i.interrupted, message: i.message, createdAt: i.createdAt })),
    workloads: () => [...cp.workloads.values()].map((w) => w.status()),
    runs: () => cp.runs.list({ limit: 500 }),
    running: () => cp.runs.running().length,
  };
}
