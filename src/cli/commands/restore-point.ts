/**
 * `holdfast restore-point ...`: the catalog's restore points and the security-aware choice of one.
 * `sync` rebuilds the index from a backup repository's snapshot manifests; `record` adds one by hand.
 */
import type { Command } from 'commander';
import { formatTable } from '../../base/format.js';
import { invalidInput } from '../../base/errors.js';
import { readProvenanceFile } from '../provenance-file.js';
import { chooseRestorePoint, explainChoice } from '../../policy/restore-point.js';
import { gatherChooseInput, judgeRestorePoints } from '../../policy/restore-point-evidence.js';
import { securityKeep } from '../../policy/security-retention.js';
import type { VerdictTarget } from '../../sast/index.js';
import { exitCodes } from '../exit.js';
import { openRepo, repoOptions, type RepoFlags } from '../common.js';
import { pushCatalogRecords, restorePointsIn } from '../../recovery/index.js';
import { catalogOptions, cliClock, collect, emit, parseSeverity, parseTime, withCatalog, type CatalogFlags } from './sast-catalog.js';
import { clearSuspicion } from '../../catalog/index.js';

function targetOf(flags: { finding?: string; severity?: string }): VerdictTarget {
  if (flags.finding && flags.severity) throw invalidInput('BAD_TARGET', 'give either --finding or --severity, not both');
  if (flags.finding) return { findingId: flags.finding };
  return { severity: parseSeverity('--severity', flags.severity ?? 'high') };
}

export function registerRestorePointCommands(program: Command): void {
  const rp = program.command('restore-point').description('restore points with provenance, and the security-aware choice of one');

  catalogOptions(rp.command('record'))
    .description('record a snapshot as a restore point (idempotent: by snapshot id)')
    .requiredOption('--snapshot <id>', 'snapshot id')
    .requiredOption('--volume <name>', 'the volume it is of')
    .requiredOption('--time <iso>', 'when it was taken')
    .requiredOption('--provenance <file.json>', 'its provenance: {"volume","workloads":[{"workload","commit","imageDigest"}]}')
    .option('--repository <location>', 'the backup repository holding it', 'local')
    .option('--tag <tag>', 'a tag (repeatable)', collect, [])
    .action(async (flags: CatalogFlags & { snapshot: string; volume: string; time: string; provenance: string; repository: string; tag: string[] }) => {
      const provenance = await readProvenanceFile(flags.provenance);
      const time = parseTime('--time', flags.time)!;
      const p = await withCatalog(flags, (c) =>
        c.recordRestorePoint({ repository: flags.repository, snapshotId: flags.snapshot, time, volume: flags.volume, tags: flags.tag, provenance: { ...provenance, volume: provenance.volume ?? flags.volume } }),
      );
      emit(flags, p, () => `recorded restore point ${p.snapshotId} of ${p.volume} at ${p.time.toISOString()} (${p.provenance.workloads.length} workload version(s))`);
    });

  catalogOptions(repoOptions(rp.command('sync')), { json: false })
    .description("index every snapshot of a backup repository as a restore point, and give the repository the catalog's records it lacks")
    .option('--volume <name>', 'only snapshots of this volume')
    .addHelpText('after', '\nExample:\n  holdfast restore-point sync --repo /backups/repo --password-file pw --catalog holdfast.db')
    .action(async (flags: CatalogFlags & RepoFlags & { volume?: string }) => {
      const repo = await openRepo(flags, { loadIndex: false });
      const { points } = await restorePointsIn(repo, flags.volume);
      const recorded = await withCatalog(flags, (c) => c.transaction(() => points.map((p) => c.restorePoints.record({ ...p, repository: repo.store.location, time: new Date(p.time) }))));
      // Both are open: the repository gets what a rebuild of this catalog would need.
      const pushed = await withCatalog(flags, (c) => pushCatalogRecords(c, repo));
      emit(flags, recorded, () => `indexed ${recorded.length} restore point(s) from ${repo.store.location}; pushed ${pushed.pushed} catalog record(s) to it`);
    });

  catalogOptions(rp.command('list'))
    .description('restore points of a volume with their security verdict')
    .requiredOption('--volume <name>', 'the volume')
    .option('--severity <level>', 'vulnerable means an open finding at or above this', 'high')
    .action(async (flags: CatalogFlags & { volume: string; severity: string }) => {
      const rows = await withCatalog(flags, (c) => {
        const judged = new Map(judgeRestorePoints(c, flags.volume, targetOf(flags)).map((j) => [j.snapshotId, j.verdict]));
        return c.restorePoints.list({ volume: flags.volume }).map((p) => ({ ...p, verdict: judged.get(p.snapshotId) }));
      });
      emit(flags, rows, () =>
        formatTable(['SNAPSHOT', 'TIME', 'VERDICT', 'SIGNALS', 'VERSIONS', 'TAGS'], rows.map((r) => [r.snapshotId.slice(0, 12), r.time.toISOString(), r.verdict ?? '?', r.suspicion?.verdict ?? '-', r.provenance.workloads.map((w) => `${w.workload}=${(w.commit ?? w.imageDigest ?? '?').slice(0, 12)}`).join(' '), r.tags.join(',')])) +
        rows
          .filter((r) => r.suspicion?.verdict === 'suspicious')
          .map((r) => `\nsuspicious ${r.snapshotId.slice(0, 12)}: ${r.suspicion!.reasons.join('; ')}${r.review ? ` — cleared by ${r.review.actor} at ${r.review.at.toISOString()}: ${r.review.reason}` : ''}`)
          .join(''),
      );
    });

  catalogOptions(rp.command('choose'))
    .description('pick the latest restore point taken before a vulnerability went live, with only clean versions; refuses when evidence is missing')
    .requiredOption('--volume <name>', 'the volume to restore')
    .option('--finding <id>', 'the vulnerability: one finding')
    .option('--severity <level>', 'the vulnerability: any open finding at or above this (default high)')
    .option('--skip-unknown', 'step over restore points whose versions were never scanned, instead of refusing')
    .option('--allow-suspicious', 'consider restore points marked suspicious by their change signals (ransomware signals), and those after them')
    .addHelpText(
      'after',
      '\nExamples:\n  holdfast restore-point choose --volume shop-data --severity high\n  holdfast restore-point choose --volume shop-data --finding 3f2a91c07b1d4e55 --json\nExit status: 0 when a restore point is chosen, 6 when the choice is refused (the output says which evidence is missing).',
    )
    .action(async (flags: CatalogFlags & { volume: string; finding?: string; severity?: string; skipUnknown?: boolean; allowSuspicious?: boolean }) => {
      const choice = await withCatalog(flags, (c) => {
        const ch = chooseRestorePoint(gatherChooseInput(c, flags.volume, targetOf(flags), flags.skipUnknown ? 'skip' : 'refuse', !!flags.allowSuspicious));
        // A restore decision is evidence in an incident: keep what was decided and why.
        c.audit.append({ actor: 'cli', action: 'restore-point.choose', object: `volume:${flags.volume}`, details: { decision: ch.decision, reason: ch.reason, snapshotId: ch.snapshotId ?? null, target: ch.target, message: ch.message, ...(flags.allowSuspicious ? { allowSuspicious: true } : {}) } });
        return ch;
      });
      emit(flags, choice, () => explainChoice(choice));
      if (choice.decision === 'refused') process.exitCode = exitCodes.conflict;
    });

  catalogOptions(rp.command('clear-suspicious <snapshot>'))
    .description('after checking a suspicious restore point, clear it as a false positive: it and the points after it are candidates again (audited; the judgement itself stays)')
    .requiredOption('--reason <text>', 'what was checked and why it is not ransomware')
    .option('--withdraw', 'take a clearance back: the point is skipped again')
    .addHelpText('after', '\nExamples:\n  holdfast restore-point clear-suspicious 4be1c0a9d2f3 --reason "planned re-encryption of the archive, change CHG-1042"\n  holdfast restore-point clear-suspicious 4be1c0a9d2f3 --withdraw --reason "the change window did not cover this volume"')
    .action(async (snapshot: string, flags: CatalogFlags & { reason: string; withdraw?: boolean }) => {
      const p = await withCatalog(flags, (c) => clearSuspicion(c, { snapshotId: snapshot, reason: flags.reason, actor: 'cli', at: cliClock.now(), withdraw: !!flags.withdraw }));
      emit(flags, p, () =>
        p.review
          ? `cleared restore point ${p.snapshotId} of ${p.volume} (suspicious: ${p.suspicion!.reasons.join('; ')}): it is a candidate again`
          : `restore point ${p.snapshotId} of ${p.volume} is suspicious again: it and the points after it are skipped`,
      );
    });

  catalogOptions(rp.command('keep'))
    .description('which restore point security retention keeps whatever GFS says (the newest known-good one)')
    .requiredOption('--volume <name>', 'the volume')
    .option('--severity <level>', 'known-good means no open finding at or above this', 'high')
    .action(async (flags: CatalogFlags & { volume: string; severity: string }) => {
      const keep = await withCatalog(flags, (c) => securityKeep(flags.volume, judgeRestorePoints(c, flags.volume, targetOf(flags))));
      emit(flags, keep, () => keep.message);
    });
}
