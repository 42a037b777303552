/**
 * holdfast_prune_* gauges, per repository, computed at scrape time from the run history like the
 * rest of /metrics (src/server/metrics.ts), so they survive a restart: when the last prune worked,
 * what it freed, what it had to defer, and whether the newest one failed.
 */
import { Gauge, type Registry } from 'prom-client';
import type { RunRow } from '../../catalog/run-history.js';
import type { ControlPlane } from '../control-plane.js';

export function registerPruneMetrics(reg: Registry, cp: ControlPlane): void {
  const repos = () => Object.entries(cp.config.repositories).filter(([, r]) => r.prune).map(([n]) => n);
  const lastFinished = (repository: string): RunRow | undefined =>
    cp.runs
      .list({ kind: 'prune', policy: repository, target: repository, limit: 20 })
      .find((r) => r.status === 'succeeded' || r.status === 'failed');
  const g = (name: string, help: string, value: (repository: string) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['repository'],
      registers: [reg],
      collect() {
        this.reset();
        for (const repository of repos()) {
          const v = value(repository);
          if (v !== undefined) this.set({ repository }, v);
        }
      },
    });
  const lastOk = (repository: string) => cp.runs.lastSucceeded('prune', repository, repository);
  const detail = (repository: string, key: string) => {
    const v = lastOk(repository)?.details[key];
    return typeof v === 'number' ? v : Array.isArray(v) ? v.length : undefined;
  };
  g('holdfast_prune_last_success_timestamp_seconds', 'End of the newest successful prune, per repository.', (r) => {
    const t = lastOk(r)?.finishedAt;
    return t ? t.getTime() / 1000 : undefined;
  });
  g('holdfast_prune_last_freed_bytes', 'Bytes the newest successful prune deleted.', (r) => lastOk(r)?.bytes);
  g('holdfast_prune_last_deleted_packs', 'Packs the newest successful prune deleted.', (r) => detail(r, 'deletedPacks'));
  g(
    'holdfast_prune_last_deferred_plans',
    'Deletion plans the newest successful prune kept for later because a backup that may use them was running.',
    (r) => detail(r, 'deferred'),
  );
  g('holdfast_prune_last_duration_seconds', 'Duration of the newest finished prune.', (r) => {
    const d = lastFinished(r)?.durationMs;
    return d === undefined ? undefined : d / 1000;
  });
  g('holdfast_prune_last_run_failed', '1 when the newest finished prune failed, else 0.', (r) => {
    const run = lastFinished(r);
    return run ? (run.status === 'failed' ? 1 : 0) : undefined;
  });
}
