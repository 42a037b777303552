/**
 * One scheduled backup of one volume: check the volume, observe the versions of the workloads that
 * use it (provenance), run the pre-hooks, capture, run the post-hooks (always, once a pre-hook ran),
 * record the restore point and the deployments seen, and apply retention.
 */
import { HoldfastError, fromSystemError, isHoldfastError } from '../../base/errors.js';
import {
  provenanceSchema,
  workloadVersionSchema,
  type Provenance,
  type WorkloadVersion,
} from '../../backup/snapshot/provenance.js';
import type { BackupPolicyConfig } from '../../config/index.js';
import { whenCatalogFree } from '../../catalog/busy.js';
import { withHooks, type HookRecord } from '../../platform/local/hooks.js';
import { readVersion } from '../../platform/local/version.js';
import { checkVolumeDir } from '../../platform/local/volume.js';
import type { JobDeps } from './deps.js';
import type { Job, RunContext } from './scheduler.js';

/** Observes each workload's version; a workload whose version cannot be read is recorded without one. */
export async function observeWorkloads(
  cp: Pick<JobDeps, 'clock' | 'resolvePath' | 'workloadsOf'> & { config: Pick<JobDeps['config'], 'workloads'> },
  volume: string,
  log: RunContext['log'],
): Promise<WorkloadVersion[]> {
  const out: WorkloadVersion[] = [];
  for (const name of cp.workloadsOf(volume)) {
    const w = cp.config.workloads[name]!;
    const entry: WorkloadVersion = { workload: name };
    if (w.version) {
      try {
        const v = await readVersion(name, w.version, {
          cwd: cp.resolvePath(w.cwd ?? '.'),
          clock: cp.clock,
          resolvePath: (p) => cp.resolvePath(p),
        });
        const checked = workloadVersionSchema.safeParse({ workload: name, ...v });
        if (checked.success) Object.assign(entry, checked.data);
        else
          log(
            'warn',
            `workload ${name}: version ignored: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          );
      } catch (e) {
        log('warn', e instanceof Error ? e.message : String(e));
      }
    }
    out.push(entry);
  }
  return out;
}

const toHookRun = (h: HookRecord) => ({
  name: h.name,
  phase: h.phase,
  command: h.command,
  exitCode: h.exitCode,
  startedAt: h.startedAt,
  durationMs: h.durationMs,
  outcome: h.outcome,
});

export function backupJob(
  cp: Pick<
    JobDeps,
    'catalog' | 'clock' | 'config' | 'configDir' | 'resolvePath' | 'workloadsOf' | 'withRepository' | 'repositoryLocation' | 'alerter'
  >,
  policyName: string,
  policy: BackupPolicyConfig,
  volume: string,
): Job {
  return {
    id: `backup/${policyName}/${volume}`,
    kind: 'backup',
    policy: policyName,
    target: volume,
    repository: policy.repository,
    schedule: policy.schedule,
    timeoutMs: policy.timeout,
    missedAfterMs: policy.missedAfter,
    runAtStart: policy.runAtStart,
    async execute(ctx) {
      const vol = cp.config.volumes[volume]!;
      const source = cp.resolvePath(vol.path);
      await checkVolumeDir(volume, source);
      const workloads = await observeWorkloads(cp, volume, ctx.log);
      for (const w of workloads)
        ctx.log(
          'info',
          `workload ${w.workload}: ${w.commit ? `commit ${w.commit}` : 'version unknown'}${w.imageDigest ? ` image ${w.imageDigest.slice(0, 19)}…` : ''}`,
        );
      return cp.withRepository(policy.repository, async (repo) => {
        const hooks = (list: BackupPolicyConfig['hooks']['pre']) =>
          list.map((h) => ({ name: h.name, command: h.command, timeoutMs: h.timeout, onError: h.onError }));
        const tags = [...policy.tags, `policy:${policyName}`];
        const bracket = await withHooks(
          hooks(policy.hooks.pre),
          hooks(policy.hooks.post),
          {
            cwd: cp.configDir,
            clock: cp.clock,
            env: { ...process.env, HOLDFAST_VOLUME: volume, HOLDFAST_VOLUME_PATH: source },
            log: ctx.log,
          },
          async (preHooks) => {
            const provenance: Provenance = provenanceSchema.parse({
              volume,
              workloads,
              hooks: [],
              labels: { policy: policyName },
            });
            // The pre-hooks have run by now; the post-hooks have not, so only the pre-hooks are in the manifest.
            provenance.hooks = preHooks.map(toHookRun);
            try {
              return {
                result: await repo.backup({ source, tags, provenance, excludes: vol.excludes, failOnUnreadable: policy.failOnUnreadable, signalThresholds: policy.changeSignals }),
                provenance,
              };
            } catch (e) {
              throw e instanceof HoldfastError ? e : fromSystemError(`back up volume ${volume}`, e);
            }
          },
        );
        const hookDetails = bracket.hooks.map((h) => ({
          name: h.name,
          phase: h.phase,
          outcome: h.outcome,
          detail: h.detail,
        }));
        if (!bracket.ok) {
          const e = bracket.error;
          if (bracket.abortedBy)
            throw Object.assign(
              new HoldfastError(
                'HOOK_FAILED',
                'permanent',
                `back up volume ${volume}: cancelled: ${bracket.abortedBy}`,
              ),
              { details: { hooks: hookDetails } },
            );
          throw Object.assign(
            e instanceof HoldfastError ? e : fromSystemError(`back up volume ${volume}`, e),
            {
              details: { hooks: hookDetails },
            },
          );
        }
        const { result, provenance } = bracket.value;
        // The snapshot is made: its restore point waits for a catalog another process holds (a
        // large CLI ingest) rather than fail a backup that worked.
        const onBusy = (n: number) => n === 1 && ctx.log('warn', 'the catalog is locked by another process: the restore points wait for it');
        await whenCatalogFree(() => cp.catalog.restorePoints.record({
          repository: cp.repositoryLocation(policy.repository),
          snapshotId: result.snapshotId,
          time: result.time,
          volume,
          tags,
          provenance,
          signals: result.signals,
          suspicion: result.suspicion,
        }), { onBusy });
        recordDeployments(cp, volume, workloads, ctx);
        if (result.suspicion?.verdict === 'suspicious') alertSuspicious(cp, policyName, volume, result.snapshotId, result.suspicion.reasons, ctx);
        // Every backup gives its repository what a rebuild of the catalog needs; a failure here
        // loses nothing (the records wait in the catalog for the next run) and fails no backup.
        if (repo.pushCatalog) {
          const pushed = await repo.pushCatalog(cp.catalog).catch((e: unknown) => {
            ctx.log('warn', `catalog records not pushed this time: ${e instanceof Error ? e.message : String(e)}`);
            return undefined;
          });
          if (pushed?.pushed) ctx.log('info', `pushed ${pushed.pushed} catalog record(s) to the repository`);
        }
        let forgotten: string[] = [];
        if (policy.retention && repo.forget) {
          // Retention waits for a prune or another forget holding the repository (a conflict): the
          // snapshot is made, and the next backup of this policy applies retention again.
          forgotten = await repo.forget({ policy: policy.retention, tags: [`policy:${policyName}`], keepBeforeSuspicious: policy.changeSignals.keepBeforeSuspicious }).catch((e: unknown) => {
            if (!isHoldfastError(e, 'REPO_LOCKED')) throw e;
            ctx.log('warn', `retention not applied this time: ${e.message}`);
            return [];
          });
          for (const id of forgotten) await whenCatalogFree(() => cp.catalog.restorePoints.remove(id), { onBusy });
          if (forgotten.length) ctx.log('info', `retention removed ${forgotten.length} snapshot(s)`);
        }
        ctx.log(
          'info',
          `snapshot ${result.snapshotId.slice(0, 12)}: ${result.files} files, ${result.bytes} bytes (${result.addedBytes} new)`,
        );
        // An unreadable file no longer fails the backup (the rest is kept); it must not go unseen.
        for (const m of result.skipped ?? []) ctx.log('warn', m);
        return {
          snapshotId: result.snapshotId,
          bytes: result.bytes,
          details: {
            files: result.files,
            addedBytes: result.addedBytes,
            hooks: hookDetails,
            forgotten,
            ...(result.suspicion ? { suspicion: result.suspicion } : {}),
          },
        };
      });
    },
  };
}

/**
 * A backup unlike the volume's history: the run still succeeds (the snapshot is kept, it may be the
 * evidence), but a person must look, so it is logged and alerted once per snapshot.
 */
function alertSuspicious(cp: Pick<JobDeps, 'alerter'>, policy: string, volume: string, snapshotId: string, reasons: string[], ctx: RunContext): void {
  const summary = `volume ${volume}: backup ${snapshotId.slice(0, 12)} is suspicious: ${reasons.join('; ')}`;
  ctx.log('warn', summary);
  cp.alerter.fire({ event: 'backup-suspicious', key: `${volume}:${snapshotId}`, severity: 'critical', summary, details: { policy, volume, snapshotId, reasons } });
}

/** A version seen for the first time on a workload is a deploy on the timeline. */
function recordDeployments(
  cp: Pick<JobDeps, 'catalog' | 'clock'>,
  volume: string,
  workloads: WorkloadVersion[],
  ctx: RunContext,
): void {
  for (const w of workloads) {
    if (!w.commit) continue;
    const current = cp.catalog.deployments.timeline(w.workload).find((d) => !d.endedAt);
    if (
      current &&
      current.commit.startsWith(w.commit.slice(0, 7)) &&
      w.commit.startsWith(current.commit.slice(0, Math.min(current.commit.length, w.commit.length)))
    )
      continue;
    try {
      cp.catalog.deployments.record({
        workload: w.workload,
        commit: w.commit,
        imageDigest: w.imageDigest,
        repository: w.repository,
        at: cp.clock.now(),
        volumes: [volume],
      });
      ctx.log('info', `deploy of ${w.workload} at ${w.commit} recorded`);
    } catch (e) {
      ctx.log('warn', `record deploy of ${w.workload}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
