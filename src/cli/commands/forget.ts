/** `holdfast forget` (GFS retention) and `holdfast prune`. */
import type { Command } from 'commander';
import { formatBytes } from '../../base/format.js';
import { invalidInput } from '../../base/errors.js';
import { DURATION_EXAMPLES, parseDurationMs } from '../../base/duration.js';
import { DEFAULT_KEEP_BEFORE_SUSPICIOUS, forget, prune } from '../../backup/index.js';
import { retentionSchema, type RetentionPolicy } from '../../policy/retention.js';
import { listSnapshots } from '../../backup/index.js';
import { judgeRestorePoints } from '../../policy/restore-point-evidence.js';
import { securityKeep } from '../../policy/security-retention.js';
import type { Repository } from '../../backup/index.js';
import { openRepo, print, repoOptions, type RepoFlags } from '../common.js';
import { withCatalog } from './sast-catalog.js';

const num = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw invalidInput('FLAG_NUMBER', `expected a whole number, got ${JSON.stringify(v)}`);
  return n;
};
const collect = (v: string, prev: string[]) => [...prev, v];

interface ForgetFlags extends RepoFlags {
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  keepWithin?: string;
  keepTag: string[];
  volume?: string;
  dryRun?: boolean;
  prune?: boolean;
  catalog?: string;
  keepSecure?: string;
  keepBeforeSuspicious: number;
}

/**
 * The security hook: with a catalog, the newest restore point of each volume whose recorded
 * versions are all clean (at the --keep-secure threshold) is pinned, whatever the GFS rules say,
 * so retention can never leave a volume with only vulnerable or unjudged backups.
 */
async function securityPins(repo: Repository, flags: ForgetFlags, log: string[]): Promise<Map<string, string>> {
  const pins = new Map<string, string>();
  if (!flags.catalog) return pins;
  const severity = (flags.keepSecure ?? 'high') as 'critical' | 'high' | 'medium' | 'low';
  const volumes = new Set((await listSnapshots(repo)).map((s) => s.snapshot.provenance.volume).filter((v): v is string => !!v));
  await withCatalog({ catalog: flags.catalog }, (c) => {
    for (const v of volumes) {
      const k = securityKeep(v, judgeRestorePoints(c, v, { severity }));
      log.push(k.message);
      for (const id of k.keep) pins.set(id, `newest known-good restore point of ${v}`);
    }
  });
  return pins;
}

function parseDuration(v: string): number {
  const ms = parseDurationMs(v);
  if (ms === undefined) throw invalidInput('FLAG_DURATION', `expected ${DURATION_EXAMPLES}, got ${JSON.stringify(v)}`);
  return ms;
}

export function registerForgetCommands(program: Command): void {
  repoOptions(program.command('forget'))
    .description('remove snapshots that a GFS retention policy does not keep (run prune to free space)')
    .option('--keep-last <n>', 'keep the newest n', num)
    .option('--keep-hourly <n>', 'keep the newest of each of the last n hours', num)
    .option('--keep-daily <n>', 'keep the newest of each of the last n days', num)
    .option('--keep-weekly <n>', 'keep the newest of each of the last n ISO weeks', num)
    .option('--keep-monthly <n>', 'keep the newest of each of the last n months', num)
    .option('--keep-yearly <n>', 'keep the newest of each of the last n years', num)
    .option('--keep-within <duration>', 'keep everything newer than this (e.g. 7d, 1y6m)')
    .option('--keep-tag <tag>', 'keep snapshots with this tag (repeatable)', collect, [])
    .option('--volume <name>', 'only consider snapshots of this volume')
    .option('--dry-run', 'show what would be removed, remove nothing')
    .option('--prune', 'run prune afterwards')
    .option('--catalog <file>', 'with a catalog, also keep the newest known-good restore point of each volume (env HOLDFAST_CATALOG)')
    .option('--keep-secure <severity>', 'what "known-good" means: no open finding at or above this severity', 'high')
    .option('--keep-before-suspicious <n>', 'keep the newest n clean snapshots before each suspicious one (ransomware signals)', num, DEFAULT_KEEP_BEFORE_SUSPICIOUS)
    .addHelpText('after', '\nExample:\n  holdfast forget --keep-daily 7 --keep-weekly 4 --keep-monthly 12 --dry-run')
    .action(async (flags: ForgetFlags) => {
      const parsed = retentionSchema.safeParse({
        keepLast: flags.keepLast,
        keepHourly: flags.keepHourly,
        keepDaily: flags.keepDaily,
        keepWeekly: flags.keepWeekly,
        keepMonthly: flags.keepMonthly,
        keepYearly: flags.keepYearly,
        keepWithin: flags.keepWithin,
        keepTags: flags.keepTag.length ? flags.keepTag : undefined,
      });
      if (!parsed.success) throw invalidInput('FORGET_POLICY', `forget: ${parsed.error.issues[0]?.message}`);
      const policy: RetentionPolicy = parsed.data;
      const repo = await openRepo(flags, { loadIndex: false });
      flags.catalog ??= process.env.HOLDFAST_CATALOG;
      const security: string[] = [];
      const pinned = await securityPins(repo, flags, security);
      const r = await forget(repo, { policy, pinned, keepBeforeSuspicious: flags.keepBeforeSuspicious, dryRun: !!flags.dryRun, ...(flags.volume ? { filter: (s) => s.snapshot.provenance.volume === flags.volume } : {}) });
      print(flags, { ...r, security }, () => {
        const lines: string[] = [...security];
        for (const g of r.groups) {
          lines.push(`group ${g.key.replace(/\|/g, ' ').trim()}:`);
          for (const d of g.decisions) lines.push(`  ${d.keep ? 'keep  ' : flags.dryRun ? 'would remove' : 'remove'} ${d.id.slice(0, 8)} ${d.time.slice(0, 19)} ${d.reasons.join(', ')}`);
        }
        for (const h of r.held) lines.push(`held by object lock: ${h.id.slice(0, 8)}${h.until ? ` until ${h.until}` : ''}`);
        lines.push(`${r.removed.length} snapshots ${flags.dryRun ? 'would be ' : ''}removed`);
        return lines.join('\n');
      });
      if (flags.prune && !flags.dryRun) await runPrune(flags, {});
    });

  repoOptions(program.command('prune'))
    .description('delete data no snapshot references and repack mostly-empty packs; safe beside running backups')
    .option('--grace <duration>', 'never touch packs younger than this (default 1h)', '1h')
    .option('--dry-run', 'report, delete nothing')
    .action(async (flags: RepoFlags & { grace: string; dryRun?: boolean }) => {
      await runPrune(flags, { graceMs: parseDuration(flags.grace), dryRun: !!flags.dryRun });
    });
}

async function runPrune(flags: RepoFlags, opts: { graceMs?: number; dryRun?: boolean }) {
  const repo = await openRepo(flags);
  const r = await prune(repo, opts);
  print(flags, r, () =>
    [
      `condemned ${r.condemnedPacks} packs (${r.repackedPacks} repacked), deleted ${r.deletedPacks} packs (${formatBytes(r.deletedBytes)}) and ${r.deletedOrphans} orphans, rescued ${r.rescuedPacks}`,
      ...r.deferred.map((d) => `deferred: ${d}; run prune again later`),
      ...r.kept.map((k) => `warning: ${k}`),
      ...(r.deletedTemporaries ? [`removed ${r.deletedTemporaries} incomplete write(s) left by interrupted commands`] : []),
      ...r.held.map((h) => `held by object lock: ${h.name}${h.until ? ` until ${h.until}` : ''}`),
    ].join('\n'),
  );
}
