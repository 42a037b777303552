/**
 * Step 4b: restore the chosen point into a scratch directory beside the volume, then swap it in by
 * rename (see swap.ts), so a failure midway leaves the old data in place. With `stage: true` it only
 * fills the scratch copy — run before the quiesce, so the long part of a restore costs no outage. The old directory stays
 * until the report step removes it (its content is the sealed evidence snapshot). Undo swaps back.
 */
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { compareData, findSnapshot, restore, withSharedLock } from '../../backup/index.js';
import { conflict, fromSystemError } from '../../base/errors.js';
import { swapPaths } from '../facts.js';
import { nextSwapAction } from '../swap.js';
import type { StepEnv, StepKind } from './types.js';

const exists = (p: string) => access(p).then(() => true, () => false);

async function state(env: StepEnv) {
  const p = swapPaths(env.facts.volume.path, env.incidentId);
  return { p, s: { volume: await exists(env.facts.volume.path), old: await exists(p.old), scratch: await exists(p.scratch), complete: await exists(p.restored) } };
}

async function mv(from: string, to: string) {
  try {
    await rename(from, to);
  } catch (e) {
    throw fromSystemError(`rename ${from} to ${to}`, e);
  }
}

export const restoreStep: StepKind = {
  uses: 'restore',
  describe: ({ facts, with: w }) =>
    w.stage === true
      ? `restore the chosen point into a scratch directory beside ${facts.volume.path} while the service still runs`
      : `swap the restored copy into ${facts.volume.path} by rename (restoring it first if it is not staged; the old data is kept until the end)`,
  async run(env) {
    const choice = env.outputsOf('choose-restore-point');
    const snapshotId = String(choice?.snapshotId);
    const vol = env.facts.volume.path;
    let restored = { files: 0, bytes: 0 };
    for (let guard = 0; guard < 6; guard++) {
      const { p, s } = await state(env);
      const next = nextSwapAction(s);
      env.log(`restore: ${next.message}`);
      if (next.action === 'done') break;
      // Staging stops once the copy is complete: the swap waits for the quiesce, the long restore does not.
      if (env.with.stage === true && next.action !== 'restore') {
        const { p: paths } = await state(env);
        return { snapshotId, staged: paths.scratch, ...restored, at: env.clock.now().toISOString() };
      }
      if (next.action === 'put-back-old') {
        await rm(p.scratch, { recursive: true, force: true });
        await rm(p.restored, { force: true });
        if (s.volume) throw conflict('INCIDENT_SWAP_UNCLEAR', `restore volume ${vol}: both ${vol} and ${p.old} exist beside a scratch copy; move one aside by hand, then resume`);
        await mv(p.old, vol);
        continue;
      }
      if (next.action === 'restore') {
        await rm(p.scratch, { recursive: true, force: true });
        await mkdir(p.scratch, { recursive: true, mode: 0o700 });
        const repo = await env.repo();
        try {
          const r = await withSharedLock(repo, 'restore', async () => restore(repo, { snapshot: await findSnapshot(repo, snapshotId), target: p.scratch }));
          restored = { files: r.files, bytes: r.bytes };
        } catch (e) {
          // The volume was never touched: drop the partial copy and stop, resumable.
          await rm(p.scratch, { recursive: true, force: true }).catch(() => undefined);
          throw e;
        }
        await env.hold('restored');
        await writeFile(p.restored, `${snapshotId}\n`);
        continue;
      }
      if (next.action === 'swap') {
        if (s.volume) await mv(vol, p.old);
        await env.hold('between-renames');
        try {
          await mv(p.scratch, vol);
        } catch (e) {
          if (s.volume) await mv(p.old, vol); // put the old data back: the volume is never left empty
          throw e;
        }
        await rm(p.restored, { force: true });
        continue;
      }
      await mv(p.scratch, vol); // finish-swap
      await rm(p.restored, { force: true });
    }
    const { p } = await state(env);
    // Checked now, while the workloads are stopped: once they run again they may write.
    const data = await compareData(await env.repo(), vol, snapshotId);
    if (data.problems.length) env.log(`restored data differs from the manifest: ${data.problems.slice(0, 3).join('; ')}`);
    return { snapshotId, volume: vol, oldData: p.old, ...restored, data, at: env.clock.now().toISOString() };
  },
  async undo(env) {
    const { p, s } = await state(env);
    await rm(p.scratch, { recursive: true, force: true });
    await rm(p.restored, { force: true });
    if (!s.old) return s.volume ? 'nothing swapped yet: the volume still holds its own data' : 'the pre-restore data is no longer beside the volume: restore the sealed evidence snapshot by hand';
    const aside = `${p.old}.undone`;
    if (s.volume) await mv(env.facts.volume.path, aside);
    await mv(p.old, env.facts.volume.path);
    await rm(aside, { recursive: true, force: true });
    return `the volume holds its pre-restore data again (the restored copy was removed; it is still in the repository)`;
  },
};
