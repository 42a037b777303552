/**
 * Where the views that take plain data meet the server's stores: the one file that turns them
 * into the overview's small source interface, so the overview (and its tests) reads plain data.
 */
import type { ReadDeps } from './deps.js';
import { findingCounts, volumeViews, certificateViews, type CertificateViewDeps, type VolumeViewDeps } from './health.js';
import type { OverviewSource } from './overview.js';
import type { RefusedProposal } from './overview-decide.js';
import { versionVerdict } from './verdict.js';

/** Refusals as the trigger audits them (src/playbook/propose.ts), newest first. */
export function refusalsOf(cp: Pick<ReadDeps, 'catalog'>, limit = 200): RefusedProposal[] {
  return cp.catalog.audit.list({ action: 'incident.refused', limit }).map((e) => ({
    time: e.time,
    volume: String(e.details.volume ?? e.object.replace(/^volume:/, '')),
    findingId: String(e.details.finding ?? ''),
    message: String(e.details.message ?? ''),
  }));
}

export type OverviewDeps = VolumeViewDeps &
  CertificateViewDeps &
  Pick<ReadDeps, 'incidents' | 'workloads' | 'runs'> & { config: Pick<ReadDeps['config'], 'sast'> };

export function overviewSource(cp: OverviewDeps): OverviewSource {
  return {
    now: () => cp.clock.now(),
    startedAt: cp.startedAt,
    threshold: cp.config.sast.blockAt,
    volumes: () => volumeViews(cp, { points: 1 }),
    certificates: () => certificateViews(cp),
    findingCounts: () => findingCounts(cp),
    deployed: () =>
      cp.catalog.deployments
        .timeline()
        .filter((d) => !d.endedAt)
        .map((d) => ({ workload: d.workload, commit: d.commit, findings: versionVerdict(cp, d.commit).findings })),
    refusals: () => refusalsOf(cp),
    findingState: (id) => cp.catalog.sast.getFinding(id)?.state,
    incidents: () =>
      cp.incidents.list({ limit: 1000 }).map((i) => ({ id: i.id, volume: i.volume, status: i.status, interrupted: i.interrupted, message: i.message, createdAt: i.createdAt })),
    workloads: () => [...cp.workloads.values()].map((w) => w.status()),
    runs: () => cp.runs.list({ limit: 500 }),
    running: () => cp.runs.running().length,
  };
}
