/**
 * `holdfast catalog ...`: the catalog from the repository alone. `rebuild` recreates a lost catalog
 * from a repository's snapshots and catalog records (src/recovery); `push` gives a repository the
 * records it does not have yet (every run with both open does it too).
 */
import { Option, type Command } from 'commander';
import { pushCatalogRecords, rebuildCatalog, type RebuildSummary } from '../../recovery/index.js';
import { openRepo, print, repoOptions, type RepoFlags } from '../common.js';
import { withCatalog } from './sast-catalog.js';

interface CatalogFileFlags {
  catalog: string;
}

const catalogFile = (cmd: Command) => cmd.addOption(new Option('--catalog <file>', 'the catalog (SQLite)').env('HOLDFAST_CATALOG').default('./holdfast.db'));

function describe(s: RebuildSummary): string {
  const kinds = Object.entries(s.records.rebuilt).map(([k, n]) => `${n} ${k}`).join(', ') || 'none';
  return [
    `rebuilt ${s.catalog} from ${s.repository}: ${s.restorePoints} restore point(s); records: ${kinds} (${s.records.read} read)`,
    ...s.missing.map((m) => `missing: ${m}`),
    ...s.skipped.map((m) => `skipped: ${m}`),
    s.complete ? 'complete: nothing missing' : `incomplete: ${s.missing.length} missing, ${s.skipped.length} skipped; what they would have judged stays unknown`,
  ].join('\n');
}

export function registerCatalogCommands(program: Command): void {
  const cat = program.command('catalog').description('the catalog from the repository alone: rebuild a lost one, push what a repository lacks');

  catalogFile(repoOptions(cat.command('rebuild')))
    .description('recreate the catalog from a backup repository (snapshots and catalog records); refuses to replace a catalog that holds records unless --force')
    .option('--force', 'replace a catalog that already holds records')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  holdfast catalog rebuild --repo /backups/repo --password-file pw --catalog /var/lib/holdfast/catalog.db',
        '  HOLDFAST_REPO=s3:https://s3.local:9000/bucket/shop holdfast catalog rebuild --catalog holdfast/catalog.db --json',
        'Progress goes to stderr. Exit status: 0 rebuilt (the output says what was missing, if anything); 3 wrong',
        'password; 6 the catalog already holds records (nothing written). Stop holdfast serve first.',
      ].join('\n'),
    )
    .action(async (flags: RepoFlags & CatalogFileFlags & { force?: boolean }) => {
      const repo = await openRepo(flags, { loadIndex: false });
      const log = (line: string) => process.stderr.write(flags.json ? JSON.stringify({ type: 'progress', msg: line }) + '\n' : `holdfast catalog rebuild: ${line}\n`);
      const summary = await rebuildCatalog(repo, { catalogPath: flags.catalog, force: Boolean(flags.force), log });
      print(flags, summary, () => describe(summary));
    });

  catalogFile(repoOptions(cat.command('push')))
    .description('give a repository the catalog records it does not have yet')
    .addHelpText('after', '\nExample:\n  holdfast catalog push --repo /backups/repo --password-file pw --catalog holdfast.db')
    .action(async (flags: RepoFlags & CatalogFileFlags) => {
      const repo = await openRepo(flags, { loadIndex: false });
      const r = await withCatalog(flags, (c) => pushCatalogRecords(c, repo));
      print(flags, { repository: repo.store.location, ...r }, () => `pushed ${r.pushed} catalog record(s) to ${repo.store.location}${r.already ? ` (${r.already} were there already)` : ''}`);
    });
}
