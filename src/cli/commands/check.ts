/** `holdfast check [--read-data]`. */
import type { Command } from 'commander';
import { HoldfastError } from '../../base/errors.js';
import { formatBytes } from '../../base/format.js';
import { checkRepository, withSharedLock } from '../../backup/index.js';
import { openRepo, print, repoOptions, type RepoFlags } from '../common.js';

export function registerCheckCommand(program: Command): void {
  repoOptions(program.command('check'))
    .description('verify the repository: structure, and with --read-data every byte of every pack')
    .option('--read-data', 'download, decrypt and verify every blob (slow, thorough)')
    .addHelpText(
      'after',
      `
Plain check lists the store (every pack's size against the size its index entries imply), reads
every snapshot and tree, and the header of any pack no index names. --read-data also reads every
byte. A file counts as affected only when a blob it uses has no intact copy anywhere; damaged
copies with an intact twin are notices.

Exit status is 5 when damage is found. Each error names the damaged object, the snapshots and files
it costs, and what to run: 'holdfast repair index' (damaged or missing index segments, an index
naming packs that are gone), 'holdfast repair snapshots' (salvage snapshots whose data is lost).

Examples:
  holdfast check                          # structure and sizes: fast
  holdfast check --read-data              # every byte: slow, thorough
  holdfast check --json                   # { errors: [{ kind, object, message, affects }], notices: [...] }`,
    )
    .action(async (flags: RepoFlags & { readData?: boolean }) => {
      // Locked before the index is read: a prune beside it must not delete packs it is about to read.
      const repo = await openRepo(flags, { loadIndex: false });
      const r = await withSharedLock(repo, 'check', () => checkRepository(repo, { readData: !!flags.readData }));
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
