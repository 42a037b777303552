/** `holdfast check [--read-data]`. */
import type { Command } from 'commander';
import { HoldfastError } from '../../base/errors.js';
import { formatBytes } from '../../base/format.js';
import { checkRepository } from '../../backup/index.js';
import { openRepo, print, repoOptions, type RepoFlags } from '../common.js';

export function registerCheckCommand(program: Command): void {
  repoOptions(program.command('check'))
    .description('verify the repository: structure, and with --read-data every byte of every pack')
    .option('--read-data', 'download, decrypt and verify every blob (slow, thorough)')
    .addHelpText('after', '\nExit status is 5 when damage is found; the report names the damaged packs and the files they affect.')
    .action(async (flags: RepoFlags & { readData?: boolean }) => {
      const repo = await openRepo(flags);
      const r = await checkRepository(repo, { readData: !!flags.readData });
      print(flags, r, () => {
        const lines = [`checked ${r.snapshots} snapshots, ${r.packs} packs, ${r.blobs} blobs${r.readData ? `, read ${formatBytes(r.bytesRead)}` : ''}`];
        for (const n of r.notices) lines.push(`notice: ${n.message}`);
        for (const e of r.errors) {
          lines.push(`error: ${e.message}`);
          for (const f of e.affects ?? []) lines.push(`  affects ${f}`);
        }
        lines.push(r.errors.length ? `${r.errors.length} errors found` : 'no errors were found');
        return lines.join('\n');
      });
      if (r.errors.length) {
        // Printed already; the error carries the exit code.
        throw new HoldfastError('CHECK_FAILED', 'corrupt', `check ${repo.store.location}: ${r.errors.length} errors (see above)`);
      }
    });
}
