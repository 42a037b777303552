/** `holdfast restore <snapshot>[:path] --target <dir>`. */
import type { Command } from 'commander';
import { formatBytes } from '../../base/format.js';
import { corrupt, invalidInput } from '../../base/errors.js';
import { compareData, findSnapshot, restore, withSharedLock } from '../../backup/index.js';
import { openRepo, print, progressReporter, repoOptions, type RepoFlags } from '../common.js';

export function registerRestoreCommand(program: Command): void {
  repoOptions(program.command('restore <snapshot>'))
    .description('restore a snapshot, or one path in it (<snapshot>:<path>), into a target directory')
    .requiredOption('--target <dir>', 'where to restore; must be empty or absent unless --overwrite')
    .option('--overwrite', 'restore into a non-empty target, replacing what the snapshot names')
    .option('--delete', 'after restoring, remove what the snapshot does not name from the target, so it holds exactly the snapshot (an in-place restore of a volume)')
    .option('--verify', 'after restoring, compare the target with the snapshot (type, size, mode, owner, mtime and extended attributes of every entry, and nothing extra); exit 5 when they differ')
    .addHelpText(
      'after',
      '\nExamples:\n  holdfast restore latest --target /tmp/restore\n  holdfast restore 3f2a91c0:db/segments --target /srv/db-restore\n  holdfast restore 3f2a91c0 --target /var/lib/db --overwrite --delete --verify   # the volume becomes exactly the snapshot',
    )
    .action(async (ref: string, flags: RepoFlags & { target: string; overwrite?: boolean; delete?: boolean; verify?: boolean }) => {
      const colon = ref.indexOf(':');
      const snapRef = colon >= 0 ? ref.slice(0, colon) : ref;
      const path = colon >= 0 ? ref.slice(colon + 1) : undefined;
      if (!snapRef) throw invalidInput('SNAPSHOT_REF', `restore ${ref}: no snapshot given before ':'`);
      if (path && (flags.delete || flags.verify)) throw invalidInput('RESTORE_FLAGS', `restore ${ref}: --delete and --verify work on a whole snapshot, not on a path in it`);
      if (flags.delete && !flags.overwrite) throw invalidInput('RESTORE_FLAGS', `restore ${ref}: --delete needs --overwrite (it only makes sense over existing data)`);
      // Locked before the index is read, so a prune beside it keeps every pack it may read.
      const repo = await openRepo(flags, { loadIndex: false });
      const { snapshot, r, check } = await withSharedLock(repo, 'restore', async () => {
        const snapshot = await findSnapshot(repo, snapRef);
        const progress = progressReporter(flags, () => snapshot.snapshot.summary.bytes);
        const r = await restore(repo, { snapshot, target: flags.target, ...(path ? { path } : {}), overwrite: !!flags.overwrite, deleteExtras: !!flags.delete, onProgress: (p) => progress.update(p), onWarning: (m) => process.stderr.write(flags.json ? JSON.stringify({ type: 'warning', message: m }) + '\n' : `warning: ${m}\n`) });
        progress.done();
        return { snapshot, r, check: flags.verify ? await compareData(repo, flags.target, snapshot.id) : undefined };
      });
      const removed = flags.delete ? (r.removed ?? 0) : undefined;
      const summary = { type: 'summary', snapshot: snapshot.id, target: flags.target, ...r, ...(removed !== undefined ? { removed } : {}), ...(check ? { verified: check.problems.length === 0, problems: check.problems.slice(0, 20) } : {}) };
      if (check?.problems.length)
        throw corrupt('RESTORE_VERIFY_FAILED', `restore ${snapshot.id.slice(0, 8)} into ${flags.target}: the target differs from the snapshot in ${check.problems.length} place(s): ${check.problems.slice(0, 3).join('; ')}${flags.delete ? '' : ' (--delete removes entries the snapshot does not name)'}`);
      print(flags, summary, () =>
        [
          `restored ${r.files} files, ${r.dirs} dirs, ${formatBytes(r.bytes)} from ${snapshot.id.slice(0, 8)} to ${flags.target}`,
          ...(removed !== undefined ? [`removed ${removed} entr${removed === 1 ? 'y' : 'ies'} the snapshot does not name`] : []),
          ...(check ? [`verified: ${check.entries} entries equal to the snapshot`] : []),
        ].join('\n'),
      );
    });
}
