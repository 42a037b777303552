/**
 * Step 3: preserve the current — possibly compromised — state before anything changes it: a backup
 * tagged `incident-evidence` and `incident:<id>`. Run twice by the built-in playbook: live (the
 * long part, while the service still serves) and sealed after the quiesce (incremental: only what
 * was written in between), so not one write is lost and the outage stays short.
 *
 * Idempotent: a snapshot already tagged for this incident and step is reused, so a resume after a
 * crash between the backup and its journal entry does not take a second one.
 */
import { existsSync } from 'node:fs';
import { listSnapshots, runBackup } from '../../backup/index.js';
import type { Catalog } from '../../catalog/index.js';
import type { IncidentFacts } from '../facts.js';
import type { StepKind } from './types.js';

export const EVIDENCE_TAG = 'incident-evidence';

/** The versions running on the volume's workloads now (open deployments), for the provenance. */
export function runningVersions(catalog: Catalog, facts: IncidentFacts) {
  const names = new Set(facts.workloads.map((w) => w.name));
  return catalog.deployments
    .timeline()
    .filter((d) => names.has(d.workload) && !d.endedAt)
    .map((d) => ({ workload: d.workload, commit: d.commit, ...(d.imageDigest ? { imageDigest: d.imageDigest } : {}) }));
}

export const evidenceStep: StepKind = {
  uses: 'preserve-evidence',
  describe: ({ facts, with: w }) =>
    `back up ${facts.volume.path} ${w.sealed ? 'again once nothing writes (incremental)' : 'as it is now, while the service runs'} to repository ${facts.repository.name}, tagged ${EVIDENCE_TAG} (kept whatever the retention policy says)`,
  precondition: ({ facts }) => (existsSync(facts.volume.path) ? undefined : `volume ${facts.volume.name}: ${facts.volume.path} does not exist, so there is no state to preserve`),
  async run(env) {
    const repo = await env.repo();
    const tags = [EVIDENCE_TAG, `incident:${env.incidentId}`, `incident-step:${env.stepId}`];
    const found = (await listSnapshots(repo)).find((s) => tags.every((t) => s.snapshot.tags.includes(t)));
    let snapshotId: string;
    let time: Date;
    let summary: { files: number; bytes: number; bytesAdded: number };
    const workloads = runningVersions(env.catalog, env.facts);
    if (found) {
      ({ id: snapshotId } = found);
      time = new Date(found.snapshot.time);
      summary = found.snapshot.summary;
      env.log(`evidence snapshot ${snapshotId.slice(0, 12)} was already taken by an earlier attempt`);
    } else {
      const r = await runBackup(repo, {
        source: env.facts.volume.path,
        tags,
        provenance: { volume: env.facts.volume.name, workloads, labels: { incident: env.incidentId } },
        now: () => env.clock.now(),
      });
      snapshotId = r.snapshotId;
      time = new Date(r.snapshot.time);
      summary = r.snapshot.summary;
      await env.hold('backed-up');
    }
    env.catalog.restorePoints.record({ repository: env.facts.repository.location, snapshotId, time, volume: env.facts.volume.name, tags, provenance: { volume: env.facts.volume.name, workloads } });
    env.log(`evidence snapshot ${snapshotId.slice(0, 12)}: ${summary.files} file(s), ${summary.bytes} byte(s), ${summary.bytesAdded} new`);
    return { snapshotId, time: time.toISOString(), files: summary.files, bytes: summary.bytes, bytesAdded: summary.bytesAdded, tags, sealed: env.with.sealed === true, versions: workloads };
  },
  cannotUndo: 'evidence snapshots are kept on purpose: a playbook never deletes evidence',
};
