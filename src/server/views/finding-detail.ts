/**
 * One finding as a reviewer reads it: the finding, why it has its severity, its rule's help, its history (first seen, fixed, reopened,
 * dismissed and by whom), the versions whose scans carry it, the backups those versions wrote,
 * and the incidents about it. For the dashboard's finding page and /api/v1/findings/:id.
 */
import { FindingHistory } from '../../catalog/finding-history.js';
import { explainSeverity, type SeverityExplanation } from '../../sast/index.js';
import type { ReadDeps } from './deps.js';
import { findingHistory, ruleText, versionsCarrying, type HistoryEvent, type RuleText } from './findings-query.js';
import { deployedFindings, findingView, volumeViews, type FindingView, type RestorePointView, type VolumeViewDeps } from './health.js';

export interface FindingDetail {
  f: FindingView;
  /** What each source said of its severity and which decided, or that it was not recorded. */
  severityDecision: SeverityExplanation;
  /** Its rule as the newest report described it: name, descriptions, help (text) and link. */
  rule: RuleText;
  history: HistoryEvent[];
  versions: { commit: string; deployedOn: string[] }[];
  backups: { volume: string; point: RestorePointView }[];
  incidents: { id: string; status: string; volume: string }[];
  now: Date;
}

export function findingDetail(cp: VolumeViewDeps & Pick<ReadDeps, 'incidents'>, id: string): FindingDetail | undefined {
  const row = cp.catalog.sast.getFinding(id);
  if (!row) return undefined;
  const sightings = new FindingHistory(cp.catalog.db).sightings(id);
  const dismissed = row.state === 'dismissed' ? cp.catalog.audit.list({ object: `finding:${id}`, action: 'sast.dismiss', limit: 1 })[0] : undefined;
  const commits = versionsCarrying(sightings);
  const live = cp.catalog.deployments.timeline().filter((d) => !d.endedAt);
  const carrying = new Set(commits);
  const backups = volumeViews(cp, { points: 500 }).flatMap((v) =>
    v.restorePoints.filter((p) => p.workloads.some((w) => w.commit && carrying.has(w.commit))).map((point) => ({ volume: v.name, point })),
  );
  return {
    f: findingView(cp, row, deployedFindings(cp)),
    severityDecision: explainSeverity(row.severity, row.severitySaid, row.tool),
    rule: ruleText(cp.catalog.sast.getRule(row.tool, row.ruleId)),
    history: findingHistory(
      sightings,
      dismissed ? { time: dismissed.time, actor: dismissed.actor, reason: String(dismissed.details.reason ?? row.dismissedReason ?? ''), comment: typeof dismissed.details.comment === 'string' ? dismissed.details.comment : undefined } : row.dismissedAt ? { time: row.dismissedAt, actor: 'unknown', reason: row.dismissedReason ?? '', comment: row.dismissedComment } : undefined,
    ),
    versions: commits.map((commit) => ({ commit, deployedOn: live.filter((d) => d.commit === commit).map((d) => d.workload) })),
    backups,
    incidents: cp.incidents
      .list({ limit: 1000 })
      .filter((i) => (i.params.target as { findingId?: string } | undefined)?.findingId === id)
      .map((i) => ({ id: i.id, status: i.status, volume: i.volume })),
    now: cp.clock.now(),
  };
}

