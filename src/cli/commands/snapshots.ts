/** `holdfast snapshots`, `ls`, `diff`: looking into a repository. */
import type { Command } from 'commander';
import { formatBytes, formatTable } from '../../base/format.js';
import { diffSnapshots, findSnapshot, listSnapshots, walkTree } from '../../backup/index.js';
import { openRepo, print, repoOptions, type RepoFlags } from '../common.js';

/** Writes to stdout, waiting while its buffer is full (a pipe to a slow reader). */
async function write(text: string): Promise<void> {
  if (!text || process.stdout.write(text)) return;
  await new Promise((resolve) => process.stdout.once('drain', resolve));
}

export function registerSnapshotCommands(program: Command): void {
  repoOptions(program.command('snapshots'))
    .description('list snapshots, oldest first')
    .option('--tag <tag>', 'only snapshots with this tag')
    .option('--volume <name>', 'only snapshots of this volume')
    .action(async (flags: RepoFlags & { tag?: string; volume?: string }) => {
      const repo = await openRepo(flags, { loadIndex: false });
      const snaps = (await listSnapshots(repo)).filter(
        (s) => (!flags.tag || s.snapshot.tags.includes(flags.tag)) && (!flags.volume || s.snapshot.provenance.volume === flags.volume),
      );
      // The history a snapshot carries for the next judgement (up to 30 entries) is left out: it is
      // the earlier snapshots' own signals.
      print(flags, snaps.map((s) => ({ id: s.id, ...s.snapshot, signalHistory: undefined })), () => {
        const suspicious = snaps.filter((s) => s.snapshot.suspicion?.verdict === 'suspicious');
        return (
          formatTable(
            ['id', 'time', 'host', 'volume', 'tags', 'size', 'signals', 'paths'],
            snaps.map((s) => [s.id.slice(0, 8), s.snapshot.time.replace('T', ' ').slice(0, 19), s.snapshot.host, s.snapshot.provenance.volume ?? '', s.snapshot.tags.join(','), formatBytes(s.snapshot.summary.bytes), s.snapshot.suspicion?.verdict ?? '', s.snapshot.paths.join(',')]),
          ) +
          `\n${snaps.length} snapshots` +
          suspicious.map((s) => `\nsuspicious ${s.id.slice(0, 8)}: ${s.snapshot.suspicion!.reasons.join('; ')}`).join('')
        );
      });
    });

  repoOptions(program.command('ls <snapshot>'))
    .description('list the files in a snapshot')
    .option('-l, --long', 'show mode, size and time')
    .action(async (ref: string, flags: RepoFlags & { long?: boolean }) => {
      const repo = await openRepo(flags);
      const s = await findSnapshot(repo, ref);
      // Streamed, not collected: a snapshot may name millions of paths (or, crafted, billions of
      // them by repeating one subtree), and the listing must start at once in bounded memory. The
      // output is the same as printing the whole list: pretty JSON with --json, a line per entry.
      let count = 0;
      await walkTree(repo, s.snapshot.tree, async (path, n) => {
        const r = { path, type: n.type, mode: (n.mode & 0o7777).toString(8).padStart(4, '0'), size: n.size ?? 0, mtime: new Date(Number(BigInt(n.mtimeNs) / 1_000_000n)).toISOString() };
        const line = flags.json
          ? `${count ? ',\n' : '[\n'}  ${JSON.stringify(r, null, 2).split('\n').join('\n  ')}`
          : `${flags.long ? `${r.type.padEnd(7)} ${r.mode} ${String(r.size).padStart(12)} ${r.mtime} ${r.path}` : r.path}\n`;
        count++;
        await write(line);
      });
      await write(flags.json ? (count ? '\n]\n' : '[]\n') : count ? '' : '\n');
    });

  repoOptions(program.command('diff <a> <b>'))
    .description('show what changed between two snapshots (+ added, - removed, M modified, U metadata only)')
    .action(async (a: string, b: string, flags: RepoFlags) => {
      const repo = await openRepo(flags);
      const all = await listSnapshots(repo);
      const [sa, sb] = [await findSnapshot(repo, a, all), await findSnapshot(repo, b, all)];
      const d = await diffSnapshots(repo, sa.snapshot.tree, sb.snapshot.tree);
      const mark = { added: '+', removed: '-', modified: 'M', metadata: 'U' } as const;
      print(flags, d, () => d.map((e) => `${mark[e.change]} ${e.path}`).join('\n') + `\n${d.length} changes`);
    });
}
