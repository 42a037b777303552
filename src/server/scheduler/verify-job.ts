/**
 * A verified restore: restore the newest restore point of a volume into a scratch directory (the
 * restore reads, decrypts and authenticates every chunk it needs, so a damaged chunk fails it),
 * run the policy's optional check command inside the restored copy, and record the evidence —
 * result, bytes, files and the measured restore time (the RTO) — against the restore point.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HoldfastError } from '../../base/errors.js';
import type { BackupPolicyConfig } from '../../config/index.js';
import { describeResult, runCommand } from '../../platform/local/exec.js';
import type { JobDeps } from './deps.js';
import type { Job } from './scheduler.js';

export function verifyJob(
  cp: Pick<JobDeps, 'catalog' | 'clock' | 'dataDir' | 'evidence' | 'withRepository' | 'repositoryLocation'>,
  policyName: string,
  policy: BackupPolicyConfig,
  volume: string,
): Job | undefined {
  const verify = policy.verify;
  if (!verify) return undefined;
  return {
    id: `verify/${policyName}/${volume}`,
    kind: 'verify',
    policy: policyName,
    target: volume,
    repository: policy.repository,
    schedule: verify.schedule,
    timeoutMs: verify.timeout,
    missedAfterMs: policy.missedAfter,
    runAtStart: false,
    async execute(ctx) {
      const location = cp.repositoryLocation(policy.repository);
      const point = cp.catalog.restorePoints
        .list({ volume })
        .filter((p) => p.repository === location)
        .at(-1);
      if (!point)
        throw new HoldfastError(
          'NOTHING_TO_VERIFY',
          'not-found',
          `verify volume ${volume}: no restore point yet in repository ${policy.repository}`,
        );
      return cp.withRepository(policy.repository, async (repo) => {
        const scratch = join(cp.dataDir, 'scratch', `verify-${ctx.run.id}`);
        await rm(scratch, { recursive: true, force: true });
        await mkdir(scratch, { recursive: true, mode: 0o700 });
        const base = { snapshotId: point.snapshotId, volume, runId: ctx.run.id };
        const started = cp.clock.now();
        try {
          ctx.log(
            'info',
            `restoring snapshot ${point.snapshotId.slice(0, 12)} of ${point.time.toISOString()} into scratch`,
          );
          let restored: { bytes: number; files: number };
          try {
            restored = await repo.restore({ snapshot: point.snapshotId, target: scratch });
          } catch (e) {
            const message = e instanceof Error ? e.message : String(e);
            cp.evidence.addVerification({
              ...base,
              time: cp.clock.now(),
              result: 'failed',
              bytes: 0,
              files: 0,
              restoreMs: cp.clock.now().getTime() - started.getTime(),
              checkExit: undefined,
              message: `restore failed: ${message}`,
            });
            throw e;
          }
          const restoreMs = cp.clock.now().getTime() - started.getTime();
          ctx.log(
            'info',
            `restored ${restored.files} files, ${restored.bytes} bytes in ${restoreMs} ms; every chunk authenticated`,
          );
          // A restore that quietly brings back less than was backed up is a failed verification.
          const recorded = (await repo.snapshots()).find((s) => s.id === point.snapshotId);
          if (recorded && (recorded.files !== restored.files || recorded.bytes !== restored.bytes)) {
            const message = `restored ${restored.files} files / ${restored.bytes} bytes, but the snapshot recorded ${recorded.files} files / ${recorded.bytes} bytes`;
            cp.evidence.addVerification({
              ...base,
              time: cp.clock.now(),
              result: 'failed',
              bytes: restored.bytes,
              files: restored.files,
              restoreMs,
              checkExit: undefined,
              message,
            });
            throw new HoldfastError(
              'VERIFY_INCOMPLETE',
              'corrupt',
              `verify volume ${volume}: snapshot ${point.snapshotId.slice(0, 12)}: ${message}`,
            );
          }
          let checkExit: number | undefined;
          let message = 'restore ok';
          if (verify.check) {
            const r = await runCommand(verify.check, {
              cwd: scratch,
              env: { ...process.env, HOLDFAST_RESTORE_DIR: scratch, HOLDFAST_VOLUME: volume },
              timeoutMs: verify.checkTimeout,
              clock: cp.clock,
            });
            checkExit = r.exitCode ?? undefined;
            message = `check ${describeResult(r)}`;
            ctx.log(r.exitCode === 0 ? 'info' : 'error', message);
            if (r.exitCode !== 0) {
              cp.evidence.addVerification({
                ...base,
                time: cp.clock.now(),
                result: 'failed',
                bytes: restored.bytes,
                files: restored.files,
                restoreMs,
                checkExit,
                message,
              });
              throw new HoldfastError(
                'VERIFY_CHECK_FAILED',
                'permanent',
                `verify volume ${volume}: snapshot ${point.snapshotId.slice(0, 12)} restored but its ${message}`,
              );
            }
          }
          cp.evidence.addVerification({
            ...base,
            time: cp.clock.now(),
            result: 'passed',
            bytes: restored.bytes,
            files: restored.files,
            restoreMs,
            checkExit,
            message,
          });
          return {
            snapshotId: point.snapshotId,
            bytes: restored.bytes,
            details: { files: restored.files, restoreMs },
          };
        } finally {
          await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
        }
      });
    },
  };
}
