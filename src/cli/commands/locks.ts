/**
 * `holdfast locks` and `holdfast unlock`: see who holds the repository, and clear what a crashed
 * process left. Stale locks are ignored by backup and prune already (a dead local pid at once, any
 * other after 10 minutes without a refresh); unlock tidies them up, and `--remove-all` is for the
 * case only a person can judge: a host known dead within those 10 minutes.
 */
import type { Command } from 'commander';
import { formatTable } from '../../base/format.js';
import { inspectLocks, removeLocks, type LockEntry } from '../../backup/index.js';
import { openRepo, print, repoOptions, type RepoFlags } from '../common.js';

const table = (locks: LockEntry[]) =>
  formatTable(
    ['kind', 'host', 'pid', 'since', 'refreshed', 'state'],
    locks.map((l) => [
      `${l.exclusive ? 'exclusive' : 'shared'} (${l.purpose ?? (l.exclusive ? 'prune' : 'backup/restore')})`,
      l.host,
      String(l.pid),
      l.started,
      l.refreshed,
      [l.unreadable ? `unreadable: ${l.unreadable}` : '', l.stale ? `stale: ${l.stale}` : l.unreadable ? 'counted as held' : 'held'].filter(Boolean).join('; '),
    ]),
  );

export function registerLockCommands(program: Command): void {
  repoOptions(program.command('locks'))
    .description('list the locks in the repository: who is backing up, restoring or pruning, and which locks are stale')
    .addHelpText('after', '\nExamples:\n  holdfast locks --repo /backups/repo\n  holdfast locks --json | jq \'.[] | select(.stale)\'')
    .action(async (flags: RepoFlags) => {
      const locks = await inspectLocks(await openRepo(flags, { loadIndex: false }));
      print(flags, locks, () => (locks.length ? table(locks) : 'no locks: nothing is running against this repository'));
    });
  repoOptions(program.command('unlock'))
    .description('remove stale locks (left by a crashed or killed process) and locks that cannot be read; live ones are kept unless --remove-all')
    .option('--remove-all', 'also remove live locks: only when you know their owners are gone (a backup whose lock is removed is no longer protected from prune)')
    .addHelpText('after', '\nExamples:\n  holdfast unlock --repo /backups/repo\n  holdfast unlock --remove-all   # the host that held them is known dead')
    .action(async (flags: RepoFlags & { removeAll?: boolean }) => {
      const removed = await removeLocks(await openRepo(flags, { loadIndex: false }), { all: !!flags.removeAll });
      print(flags, { removed }, () => (removed.length ? `removed ${removed.length} lock(s):\n${table(removed)}` : 'no stale locks to remove'));
    });
}
