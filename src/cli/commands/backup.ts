/**
 * `holdfast backup <dir>`.
 *
 * Exit status: 0 when the snapshot is saved, also when entries were skipped (unreadable files,
 * over-long paths, sockets, files removed meanwhile): each is a warning on stderr, in the
 * snapshot's summary.skipped, and counted in the last line, so a scheduled run keeps its snapshot
 * of everything else. restic exits 3 for such an "incomplete snapshot", but our 3 means a wrong
 * password or a missing permission on the repository, and a non-zero exit would make a scheduler
 * retry a backup that did its job. With --fail-on-unreadable the first unreadable entry ends the
 * backup with no snapshot: exit 3 for permission denied, 9 for a path too long.
 */
import type { Command } from 'commander';
import { formatBytes, formatDuration } from '../../base/format.js';
import { runBackup } from '../../backup/index.js';
import { invalidInput } from '../../base/errors.js';
import { signalThresholdsSchema } from '../../policy/signal-thresholds.js';
import { readProvenanceFile } from '../provenance-file.js';
import { openRepo, print, progressReporter, repoOptions, type RepoFlags } from '../common.js';

interface BackupFlags extends RepoFlags {
  tag: string[];
  exclude: string[];
  provenance?: string;
  volume?: string;
  parent: boolean;
  failOnUnreadable?: boolean;
  changeSignals?: string;
}

/** `--change-signals '{"minHistory":3}'`: a policy's changeSignals block, as the operator passes a BackupPolicy's. */
function parseChangeSignals(text: string | undefined) {
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalidInput('CHANGE_SIGNALS', '--change-signals: not JSON (give the thresholds as an object, e.g. {"minHistory":3})');
  }
  const r = signalThresholdsSchema.safeParse(json);
  if (!r.success) throw invalidInput('CHANGE_SIGNALS', `--change-signals: ${r.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`);
  return r.data;
}

async function readProvenance(path: string | undefined, volume: string | undefined) {
  if (!path) return volume ? { volume } : {};
  const p = await readProvenanceFile(path);
  return volume ? { ...p, volume } : p;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerBackupCommand(program: Command): void {
  repoOptions(program.command('backup <dir>'))
    .description('back up a directory: only changed files are read, only new chunks are stored')
    .option('-t, --tag <tag>', 'tag the snapshot (repeatable)', collect, [])
    .option('-e, --exclude <pattern>', 'skip matching paths: *.tmp, cache/**, /top-level-only (repeatable)', collect, [])
    .option('--provenance <file.json>', 'JSON provenance: {"volume", "workloads":[{"workload","imageDigest","commit"}], "labels"}')
    .option('--volume <name>', 'the volume this directory is (recorded in provenance)')
    .option('--no-parent', 'read every file, ignoring the previous snapshot')
    .option('--fail-on-unreadable', 'fail (exit 3, no snapshot) at the first file or directory that cannot be read, instead of skipping it with a warning (exit 0)')
    .option('--change-signals <json>', 'ransomware-signal thresholds as JSON, the changeSignals block of a policy (docs/ransomware-signals.md)')
    .option('--lock-days <n>', 'object-lock retention in days for everything written (S3 with object lock)')
    .addHelpText(
      'after',
      '\nExamples:\n  holdfast backup /var/lib/postgres --repo /backups/repo --tag nightly\n  holdfast backup ./data --volume shop-data --provenance build.json --json',
    )
    .action(async (dir: string, flags: BackupFlags) => {
      const provenance = await readProvenance(flags.provenance, flags.volume);
      const signalThresholds = parseChangeSignals(flags.changeSignals);
      const repo = await openRepo(flags, { loadIndex: false });
      const progress = progressReporter(flags);
      const r = await runBackup(repo, {
        source: dir,
        tags: flags.tag,
        excludes: flags.exclude,
        provenance,
        noParent: !flags.parent,
        failOnUnreadable: !!flags.failOnUnreadable,
        ...(signalThresholds ? { signalThresholds } : {}),
        onProgress: (p) => progress.update(p),
        onWarning: (m) => process.stderr.write(flags.json ? JSON.stringify({ type: 'warning', message: m }) + '\n' : `warning: ${m}\n`),
      });
      progress.done();
      const s = r.snapshot.summary;
      const ms = Date.parse(s.finishedAt) - Date.parse(s.startedAt);
      const suspicion = r.snapshot.suspicion;
      // `time` is the snapshot's own: the operator's RestorePoint takes it, so one rebuilt from the
      // repository (operator/repository) has the same time as the one the backup recorded.
      print(flags, { type: 'summary', snapshot: r.snapshotId, time: r.snapshot.time, ...s, unreadable: r.unreadable, signals: r.snapshot.signals, suspicion }, () =>
        [
          `snapshot ${r.snapshotId.slice(0, 8)} saved`,
          `files: ${s.files} (${s.filesUnchanged} unchanged), dirs: ${s.dirs}`,
          `processed ${formatBytes(s.bytes)} in ${formatDuration(ms)}, read ${formatBytes(s.bytesRead)}, added ${formatBytes(s.bytesAdded)} to the repository`,
          ...(r.unreadable
            ? [`incomplete: ${r.unreadable} ${r.unreadable === 1 ? 'entry could not be read and is' : 'entries could not be read and are'} not in snapshot ${r.snapshotId.slice(0, 8)} (warnings above; --fail-on-unreadable makes this an error)`]
            : []),
          ...(suspicion?.verdict === 'suspicious' ? [`suspicious: this backup is unlike the volume's history: ${suspicion.reasons.join('; ')}`] : []),
        ].join('\n'),
      );
    });
}
