/**
 * The scheduled prune of one repository: frees what the backup policies' retention (forget) left
 * unreferenced. It takes one of the repository's run slots like a backup; the engine's prune is
 * two-phase, so a backup running beside it (here, or from another process) is safe: what it may
 * use is condemned now and deleted by a later prune (`deferred`). Held back while an incident runs
 * on a volume of the repository (prune-decisions.ts).
 */
import type { PruneConfig } from '../../config/index.js';
import type { JobDeps } from './deps.js';
import { decidePruneHold, describePrune } from './prune-decisions.js';
import type { Job } from './scheduler.js';

/** The volumes that backup policies write into a repository. */
export function volumesOfRepository(cp: { config: Pick<JobDeps['config'], 'backupPolicies'> }, repository: string): string[] {
  const out = new Set<string>();
  for (const p of Object.values(cp.config.backupPolicies))
    if (p.repository === repository) for (const v of p.volumes) out.add(v);
  return [...out];
}

export function pruneJob(cp: Pick<JobDeps, 'config' | 'incidents' | 'withRepository'>, repository: string, prune: PruneConfig): Job {
  const id = `prune/${repository}`;
  return {
    id,
    kind: 'prune',
    policy: repository,
    target: repository,
    repository,
    schedule: prune.schedule,
    timeoutMs: prune.timeout,
    missedAfterMs: prune.missedAfter,
    runAtStart: false,
    skip: () =>
      decidePruneHold({
        job: { id },
        volumes: volumesOfRepository(cp, repository).map((volume) => ({
          volume,
          incident: cp.incidents.runningOn(volume),
        })),
      }),
    async execute(ctx) {
      return cp.withRepository(repository, async (repo) => {
        const r = await repo.prune({ graceMs: prune.grace });
        const message = describePrune(r);
        ctx.log(r.deferred.length ? 'warn' : 'info', `repository ${repository}: ${message}`);
        return { bytes: r.freedBytes, message, details: { ...r } };
      });
    },
  };
}
