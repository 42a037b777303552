/**
 * The campaign's figures: totals and per-command counts, as a table for people and JSON for
 * bench/out. "Snapshots lost", "repositories unusable", "undetected that matter" and "silent wrong
 * data" must all be 0; everything else is context.
 */
import { problems, type TrialResult } from './trials.js';

export interface Counts {
  trials: number;
  kills: number;
  snapshotsLost: number;
  repositoriesUnusable: number;
  checkFailed: number;
  recoveryFailed: number;
  flips: number;
  flipsDetected: number;
  undetectedThatMatter: number;
  silentWrongData: number;
  internalErrors: number;
  failedTrials: number;
}

const zero = (): Counts => ({
  trials: 0,
  kills: 0,
  snapshotsLost: 0,
  repositoriesUnusable: 0,
  checkFailed: 0,
  recoveryFailed: 0,
  flips: 0,
  flipsDetected: 0,
  undetectedThatMatter: 0,
  silentWrongData: 0,
  internalErrors: 0,
  failedTrials: 0,
});

function add(c: Counts, t: TrialResult): void {
  const v = t.verdict;
  c.trials++;
  if (t.killed) c.kills++;
  c.snapshotsLost += v.lost.length;
  if (v.unusable) c.repositoriesUnusable++;
  if (v.checkFailed) c.checkFailed++;
  if (t.recoveryFailed) c.recoveryFailed++;
  if (t.flip) {
    c.flips++;
    if (t.flip.detected) c.flipsDetected++;
    if (t.flip.undetectedThatMatters) c.undetectedThatMatter++;
  }
  c.silentWrongData += v.silentWrong.length;
  c.internalErrors += v.notes.filter((n) => n.startsWith('internal error')).length;
  if (problems(t).length) c.failedTrials++;
}

export interface Tally {
  total: Counts;
  /** Keyed "backend family command". */
  byCommand: Record<string, Counts>;
}

export function tally(results: TrialResult[]): Tally {
  const total = zero();
  const byCommand: Record<string, Counts> = {};
  for (const t of results) {
    add(total, t);
    add((byCommand[`${t.backend} ${t.family} ${t.command}`] ??= zero()), t);
  }
  return { total, byCommand };
}

const COLUMNS: [keyof Counts, string][] = [
  ['trials', 'trials'],
  ['kills', 'kills'],
  ['snapshotsLost', 'snapshots lost'],
  ['repositoriesUnusable', 'repos unusable'],
  ['checkFailed', 'check fails'],
  ['recoveryFailed', 'recovery fails'],
  ['flips', 'flips'],
  ['undetectedThatMatter', 'undetected that matter'],
  ['silentWrongData', 'silent wrong data'],
  ['internalErrors', 'internal errors'],
  ['failedTrials', 'failed trials'],
];

/** A plain-text table: one row per command, then the totals. */
export function formatTally(t: Tally): string {
  const rows = [['', ...COLUMNS.map(([, h]) => h)]];
  for (const [k, c] of Object.entries(t.byCommand)) rows.push([k, ...COLUMNS.map(([f]) => String(c[f]))]);
  rows.push(['TOTAL', ...COLUMNS.map(([f]) => String(t.total[f]))]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}
