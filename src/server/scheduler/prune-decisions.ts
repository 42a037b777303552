/**
 * The scheduled prune's decisions, pure so a table test covers each case:
 * - is a prune of a repository held back (an incident on one of the volumes backed up into it);
 * - what a finished prune says about itself (the run's message, the timeline's line).
 */
import { formatBytes } from '../../base/format.js';
import type { PruneOutcome } from '../ports.js';

export interface PruneHoldInput {
  job: { id: string };
  /** Every volume a backup policy writes into the repository, with the incident running there, if any. */
  volumes: {
    volume: string;
    incident: { id: string; runnerPid: number | undefined; interrupted: boolean } | undefined;
  }[];
}

/**
 * A prune waits out an incident on any volume of its repository: the incident restores from this
 * repository and writes its evidence into it for minutes, and an interrupted one will resume doing
 * so; a prune then (even a deferring one) only adds a second writer of the index to what a person
 * has to reason about in the worst hour. Retention keeps the evidence; the space can wait a day.
 */
export function decidePruneHold(i: PruneHoldInput): { skip: boolean; reason: string; message: string } {
  const held = i.volumes.find((v) => v.incident);
  if (!held?.incident)
    return { skip: false, reason: 'NoIncident', message: `${i.job.id}: no incident on its volumes` };
  const inc = held.incident;
  const how = inc.interrupted
    ? `was interrupted on volume ${held.volume} (process ${inc.runnerPid ?? '?'} is gone; resume or abort it)`
    : `is running on volume ${held.volume}`;
  return { skip: true, reason: 'IncidentActive', message: `${i.job.id} skipped: incident ${inc.id} ${how}` };
}

/** One line for the run and the timeline: what was freed, and what waits for a live backup. */
export function describePrune(r: PruneOutcome): string {
  const parts = [
    `freed ${formatBytes(r.freedBytes)} (${r.deletedPacks} pack(s) deleted` +
      `${r.repackedPacks ? `, ${r.repackedPacks} of them repacked: ${formatBytes(r.deletedBytes)} deleted` : ''}` +
      `${r.deletedOrphans ? `, ${r.deletedOrphans} orphan(s)` : ''})`,
  ];
  if (r.condemnedPacks) parts.push(`${r.condemnedPacks} pack(s) condemned`);
  if (r.rescuedPacks) parts.push(`${r.rescuedPacks} rescued by a newer snapshot`);
  if (r.deferred.length) parts.push(`deferred ${r.deferred.length} plan(s): ${r.deferred.join('; ')}`);
  if (r.held) parts.push(`${r.held} pack(s) held by object lock`);
  return parts.join(', ');
}
