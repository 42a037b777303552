/** `holdfast restore <snapshot>[:path] --target <dir>`. */
import type { Command } from 'commander';
import { formatBytes } from '../../base/format.js';
import { invalidInput } from '../../base/errors.js';
import { findSnapshot, restore } from '../../backup/index.js';
import { openRepo, print, progressReporter, repoOptions, type RepoFlags } from '../common.js';

export function registerRestoreCommand(program: Command): void {
  repoOptions(program.command('restore <snapshot>'))
    .description('restore a snapshot, or one path in it (<snapshot>:<path>), into a target directory')
    .requiredOption('--target <dir>', 'where to restore; must be empty or absent unless --overwrite')
    .option('--overwrite', 'restore into a non-empty target, replacing what the snapshot names')
    .addHelpText('after', '\nExamples:\n  holdfast restore latest --target /tmp/restore\n  holdfast restore 3f2a91c0:db/segments --target /srv/db-restore')
    .action(async (ref: string, flags: RepoFlags & { target: string; overwrite?: boolean }) => {
      const colon = ref.indexOf(':');
      const snapRef = colon >= 0 ? ref.slice(0, colon) : ref;
      const path = colon >= 0 ? ref.slice(colon + 1) : undefined;
      if (!snapRef) throw invalidInput('SNAPSHOT_REF', `restore ${ref}: no snapshot given before ':'`);
      const repo = await openRepo(flags);
      const snapshot = await findSnapshot(repo, snapRef);
      const progress = progressReporter(flags, () => snapshot.snapshot.summary.bytes);
      const r = await restore(repo, { snapshot, target: flags.target, ...(path ? { path } : {}), overwrite: !!flags.overwrite, onProgress: (p) => progress.update(p) });
      progress.done();
      print(flags, { type: 'summary', snapshot: snapshot.id, target: flags.target, ...r }, () => `restored ${r.files} files, ${r.dirs} dirs, ${formatBytes(r.bytes)} from ${snapshot.id.slice(0, 8)} to ${flags.target}`);
    });
}
