/** `holdfast repair index` and `holdfast repair snapshots`: bring a damaged repository back to one `check` passes. */
import type { Command } from 'commander';
import { repairIndex } from '../../backup/maintenance/repair-index.js';
import { repairSnapshots } from '../../backup/maintenance/repair-snapshots.js';
import { openRepo, print, repoOptions, type RepoFlags } from '../common.js';

const short = (name: string) => name.slice(name.lastIndexOf('/') + 1).slice(0, 12);

export function registerRepairCommands(program: Command): void {
  const repair = program
    .command('repair')
    .description('repair a damaged repository: rebuild the index from the packs, salvage damaged snapshots')
    .addHelpText(
      'after',
      `
When 'holdfast check' reports damage, it says which of these to run. The usual order:
  holdfast check --read-data                # what is damaged, and which files it costs
  holdfast repair index --read-all-data     # index rebuilt from the packs, damaged copies left out
  holdfast repair snapshots --dry-run       # what would be cut from which snapshot
  holdfast repair snapshots --forget        # save salvaged copies, remove the damaged originals
  holdfast check --read-data                # should now pass`,
    );

  repoOptions(repair.command('index'))
    .description('rebuild the index from the headers of the packs in the store, replacing every index segment')
    .option('--read-all-data', 'download every pack and index only the blob copies that decrypt and verify (slow, thorough)')
    .addHelpText(
      'after',
      `
Each pack's header lists the blobs it holds, so the index can always be rebuilt from the packs:
this repairs damaged or deleted index segments and entries naming packs that are gone. Without
--read-all-data only the headers are read (two small ranged reads per pack). It takes the
repository's exclusive lock (no prune may run meanwhile; backups may). Crash-safe: the new index
segment is written before any old one is deleted, so it can simply be run again.

Packs whose header cannot be read are named: their blobs stay indexed if the old index knew them,
and are lost otherwise unless another pack holds them.

Examples:
  holdfast repair index                     # after 'check' says: damaged index segment / index incomplete
  holdfast repair index --read-all-data     # after 'check --read-data' found damaged packs
  holdfast repair index --json              # the result as JSON

Exit status is 0 when the index was rebuilt, even if packs were unreadable (they are listed).`,
    )
    .action(async (flags: RepoFlags & { readAllData?: boolean }) => {
      const repo = await openRepo(flags);
      const tty = process.stderr.isTTY && !flags.json;
      const r = await repairIndex(repo, { readAllData: !!flags.readAllData, ...(tty ? { onProgress: (done: number, total: number) => process.stderr.write(`\rread ${done + 1} of ${total} packs   `) } : {}) });
      if (tty) process.stderr.write('\n');
      print(flags, r, () => {
        const lines = [`read ${r.packs} packs: indexed ${r.blobs} blobs in ${r.indexed} packs; replaced ${r.removedSegments.length} index segments with one`];
        for (const p of r.foundPacks) lines.push(`found pack ${short(p)}, which no index named`);
        for (const p of r.missingPacks) lines.push(`dropped pack ${short(p)}: the index named it, the store does not have it`);
        for (const u of r.unreadable)
          lines.push(`unreadable pack ${short(u.pack)}: ${u.reason}; ${u.kept ? 'kept what the old index said about it' : 'its blobs are lost unless another pack holds them'}`);
        for (const d of r.damagedBlobs) lines.push(`left out damaged copy of blob ${d.blob.slice(0, 12)} in pack ${short(d.pack)}`);
        for (const w of r.rewrittenPacks)
          lines.push(`rewrote damaged pack ${short(w.pack)}: its ${w.blobs} intact blobs are in new packs; ${w.deleted ? 'the damaged pack was deleted' : "the damaged pack stays until a prune (a backup, restore or check was running)"}`);
        if (r.unreadable.length || r.damagedBlobs.length || r.missingPacks.length) lines.push(`run 'holdfast check' next: it names any file that is now lost, and 'holdfast repair snapshots' salvages the rest`);
        return lines.join('\n');
      });
    });

  repoOptions(repair.command('snapshots'))
    .description('save a salvaged copy of each snapshot whose data is partly lost (tagged "repaired")')
    .option('--dry-run', 'only say what would be cut from which snapshot; write and delete nothing')
    .option('--forget', 'delete each damaged original once its salvaged copy is saved, and snapshot files that cannot be read')
    .addHelpText(
      'after',
      `
As restic's 'repair snapshots': each snapshot is walked; a file whose data is lost keeps its content
up to the first lost chunk (truncated), or is removed when nothing is left; a directory whose tree
is lost is kept empty. Every such path is named. The salvaged copy is a new snapshot tagged
'repaired' that records the original's id ('original' in 'snapshots --json'). Without --forget the
damaged original stays (so nothing is deleted until you choose), and so do snapshot files that
cannot be decrypted at all; with --forget both are deleted. A snapshot whose root tree is lost has
nothing to salvage and is only removed (with --forget).

Lost data is judged from the index and the packs in the store. A chunk that is present but damaged
is found by 'holdfast repair index --read-all-data' (it leaves damaged copies out of the index), so
run that first when 'check --read-data' found damaged packs.

Examples:
  holdfast repair snapshots --dry-run       # what would be cut, nothing written
  holdfast repair snapshots                 # add salvaged copies, keep the originals
  holdfast repair snapshots --forget        # add salvaged copies, remove the originals
  holdfast repair snapshots --forget --json`,
    )
    .action(async (flags: RepoFlags & { dryRun?: boolean; forget?: boolean }) => {
      const repo = await openRepo(flags);
      const r = await repairSnapshots(repo, { dryRun: !!flags.dryRun, forget: !!flags.forget });
      print(flags, r, () => {
        const would = r.dryRun ? 'would ' : '';
        const lines = [`checked ${r.checked} snapshots: ${r.intact} intact, ${r.snapshots.length} damaged, ${r.unreadable.length} unreadable${r.dryRun ? ' (dry run: nothing changed)' : ''}`];
        for (const s of r.snapshots) {
          if (s.status === 'lost') lines.push(`snapshot ${s.id.slice(0, 8)}: its root tree is lost, nothing to salvage${s.removed ? '; removed' : flags.forget ? '' : ' (--forget removes it)'}`);
          else lines.push(`snapshot ${s.id.slice(0, 8)}: ${would}save repaired copy${s.newId ? ` ${s.newId.slice(0, 8)}` : ''}${s.removed ? ', removed the original' : ''}`);
          for (const c of s.changes) lines.push(`  ${would}${c.action === 'removed' ? 'remove' : c.action === 'truncated' ? 'truncate' : 'empty'} ${c.path}: ${c.detail}`);
        }
        for (const u of r.unreadable) lines.push(`unreadable ${u.name}: ${u.reason}${u.removed ? '; removed' : ` (${r.dryRun ? '' : '--forget '}removes it)`}`);
        return lines.join('\n');
      });
    });
}
