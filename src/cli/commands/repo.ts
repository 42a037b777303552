/** `holdfast repo init` and `holdfast key add|list|remove|passwd`. */
import type { Command } from 'commander';
import { formatTable } from '../../base/format.js';
import { initRepository } from '../../backup/index.js';
import { openBlobStore } from '../../storage/index.js';
import { openRepo, print, readNewPassword, readPassword, repoOptions, type RepoFlags } from '../common.js';

export function registerRepoCommands(program: Command): void {
  const repo = program.command('repo').description('create and inspect repositories');
  repoOptions(repo.command('init'))
    .description('create an encrypted repository')
    .addHelpText('after', '\nExamples:\n  holdfast repo init --repo /backups/repo --password-file ~/.holdfast-pw\n  HOLDFAST_REPO=s3:https://s3.local:9000/bucket/prefix holdfast repo init')
    .action(async (flags: RepoFlags) => {
      const store = await openBlobStore(flags.repo ?? '');
      await initRepository(store, await readPassword(flags));
      print(flags, { created: store.location }, () => `created repository at ${store.location}`);
    });

  const key = program.command('key').description('manage the passwords that open a repository (no data is re-encrypted)');
  repoOptions(key.command('list'))
    .description('list key files')
    .action(async (flags: RepoFlags) => {
      const r = await openRepo(flags, { loadIndex: false });
      const keys = await r.listKeys();
      print(flags, keys, () => formatTable(['', 'id', 'user', 'host', 'created'], keys.map((k) => [k.current ? '*' : '', k.id.slice(0, 12), k.user, k.host, k.damaged ? `damaged: ${k.damaged} (remove it with 'holdfast key remove ${k.id.slice(0, 12)}')` : k.created])));
    });
  repoOptions(key.command('add'))
    .description('add a password (from --new-password-file, HOLDFAST_NEW_PASSWORD, or a prompt)')
    .option('--new-password-file <file>', 'read the new password from a file')
    .action(async (flags: RepoFlags & { newPasswordFile?: string }) => {
      const r = await openRepo(flags, { loadIndex: false });
      const id = await r.addKey(await readNewPassword(flags.newPasswordFile));
      print(flags, { added: id }, () => `added key ${id.slice(0, 12)}`);
    });
  repoOptions(key.command('remove <id>'))
    .description('revoke a password by key id (prefix); you cannot remove the key you opened with')
    .action(async (id: string, flags: RepoFlags) => {
      const r = await openRepo(flags, { loadIndex: false });
      const removed = await r.removeKey(id);
      print(flags, { removed }, () => `removed key ${removed.slice(0, 12)}`);
    });
  repoOptions(key.command('passwd'))
    .description('change the password you opened with (adds the new key, then removes the old one)')
    .option('--new-password-file <file>', 'read the new password from a file')
    .action(async (flags: RepoFlags & { newPasswordFile?: string }) => {
      const r = await openRepo(flags, { loadIndex: false });
      const id = await r.changePassword(await readNewPassword(flags.newPasswordFile));
      print(flags, { key: id }, () => `password changed (new key ${id.slice(0, 12)})`);
    });
}
