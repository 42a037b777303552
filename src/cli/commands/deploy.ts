/** `holdfast deploy ...`: the deployment timeline of the local platform (which version ran where, when). */
import type { Command } from 'commander';
import { formatTable } from '../../base/format.js';
import { catalogOptions, cliClock, collect, emit, parseTime, withCatalog, type CatalogFlags } from './sast-catalog.js';

export function registerDeployCommands(program: Command): void {
  const deploy = program.command('deploy').description('record and list which version ran on which workload, from when to when');

  catalogOptions(deploy.command('record'))
    .description('record that a workload started running a version (ends its previous deployment at the same time)')
    .requiredOption('--workload <name>', 'the workload (a local service, or namespace/kind/name)')
    .requiredOption('--commit <sha>', 'the commit it was built from')
    .option('--image-digest <sha256:...>', 'the image digest it runs')
    .option('--repository <repo>', 'the source repository')
    .option('--volume <name>', 'a volume this workload mounts (repeatable)', collect, [])
    .option('--at <iso>', 'when it went live (default: now)')
    .addHelpText('after', '\nExample:\n  holdfast deploy record --workload shop --commit 3f2a91c --image-digest sha256:… --volume shop-data --at 2026-03-01T12:00:00Z')
    .action(async (flags: CatalogFlags & { workload: string; commit: string; imageDigest?: string; repository?: string; volume: string[]; at?: string }) => {
      const at = parseTime('--at', flags.at) ?? cliClock.now();
      const d = await withCatalog(flags, (c) =>
        c.transaction(() => {
          const row = c.deployments.record({ workload: flags.workload, commit: flags.commit.toLowerCase(), imageDigest: flags.imageDigest, repository: flags.repository, at, volumes: flags.volume });
          c.audit.append({ actor: 'cli', action: 'deploy.record', object: `workload:${flags.workload}`, details: { commit: row.commit, imageDigest: row.imageDigest ?? null, at: row.startedAt } });
          return row;
        }),
      );
      emit(flags, d, () => `recorded: ${d.workload} runs ${d.commit.slice(0, 12)} from ${d.startedAt}${d.endedAt ? ' until ' + d.endedAt : ''}`);
    });

  catalogOptions(deploy.command('list'))
    .description('the deployment timeline, oldest first')
    .option('--workload <name>', 'only this workload')
    .action(async (flags: CatalogFlags & { workload?: string }) => {
      const rows = await withCatalog(flags, (c) => c.deployments.timeline(flags.workload));
      emit(flags, rows, () => formatTable(['WORKLOAD', 'COMMIT', 'IMAGE', 'FROM', 'UNTIL'], rows.map((r) => [r.workload, r.commit.slice(0, 12), r.imageDigest?.slice(0, 19) ?? '-', r.startedAt, r.endedAt ?? 'running'])));
    });
}
