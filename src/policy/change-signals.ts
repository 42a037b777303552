/**
 * Ransomware signals: is a backup's change unlike the volume's own history? Pure: the signals of
 * this backup and of the volume's previous ones come in, with thresholds from the policy.
 *
 * Nouns: *signals* are what a backup measured while chunking (files rewritten, new bytes, how
 * much of the new data zstd could not shrink, files renamed to a new extension); a *departure* is
 * a measure above both an absolute floor and the history's median by more than `madFactor` robust
 * deviations (median absolute deviation, scaled to a standard deviation) and at least `minDelta`.
 *
 * Why two signals must agree: a database rewrites its pages, logs append, a user drops in a large
 * archive. None of those both rewrites a large share of the existing files *and* replaces them
 * with incompressible data, which is what encryption in place does. A burst of files renamed to
 * one new extension whose content is new (not a plain rename, whose chunks deduplicate) is the
 * other fingerprint, and is judged on its own.
 */
import type { RestorePointSignals, RestorePointSuspicion } from '../catalog/restore-points.js';

/**
 * What a backup measured against its parent (fields documented where the catalog stores them:
 * catalog/restore-points.ts, the lowest layer that holds them).
 */
export type ChangeSignals = RestorePointSignals;

export interface Departure {
  /** The value must reach this whatever the history says. */
  floor: number;
  /** And exceed the history's median by at least this much. */
  minDelta: number;
}

export interface SignalThresholds {
  enabled: boolean;
  /** Backups with signals (not counting the first) needed before any is judged. */
  minHistory: number;
  /** The latest this many backups make the history. */
  historyWindow: number;
  /** Robust deviations above the median that count as unlike the history. */
  madFactor: number;
  /** Share of the parent's files rewritten or removed. */
  rewritten: Departure;
  /** Share of the new bytes zstd could not shrink. */
  incompressible: Departure;
  /** Below this many new bytes the incompressible share is noise and is not judged. */
  minNewBytes: number;
  /** A rename burst: at least this many files, and this share of the parent's files, to one extension. */
  renamedFiles: number;
  renamedShare: number;
  /** A rename burst counts only when at least this share of the bytes read was new (a plain rename deduplicates). */
  renamedNewShare: number;
}

export const defaultSignalThresholds: SignalThresholds = {
  enabled: true,
  minHistory: 5,
  historyWindow: 30,
  madFactor: 5,
  rewritten: { floor: 0.2, minDelta: 0.15 },
  incompressible: { floor: 0.5, minDelta: 0.3 },
  minNewBytes: 1024 * 1024,
  renamedFiles: 20,
  renamedShare: 0.05,
  renamedNewShare: 0.5,
};

/** The judgement: a verdict and why, in words a person checks ("62% of new data is incompressible (history: median 3%)"). */
export type Suspicion = RestorePointSuspicion;

const pct = (x: number) => `${Math.round(x * 100)}%`;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The files the parent had: this backup's, less the new ones, plus the removed ones. */
const parentFiles = (s: ChangeSignals) => Math.max(0, s.files - s.filesNew + s.filesRemoved);

export const rewrittenShare = (s: ChangeSignals): number => {
  const before = parentFiles(s);
  return before === 0 ? 0 : Math.min(1, (s.filesChanged + s.filesRemoved) / before);
};

export const incompressibleShare = (s: ChangeSignals): number | undefined =>
  s.bytesNew === 0 ? undefined : s.bytesNewIncompressible / s.bytesNew;

/** The extension most files were renamed to, and how many. */
export function topRename(s: ChangeSignals): { ext: string; count: number } | undefined {
  let top: { ext: string; count: number } | undefined;
  for (const [ext, count] of Object.entries(s.renamed)) if (!top || count > top.count || (count === top.count && ext < top.ext)) top = { ext, count };
  return top;
}

/** Whether `value` departs from `history`, and the median it was compared with. */
export function departs(value: number, history: readonly number[], d: Departure, madFactor: number): { departs: boolean; median: number } {
  const m = median(history);
  const mad = median(history.map((x) => Math.abs(x - m))) * 1.4826;
  return { departs: value >= d.floor && value - m >= Math.max(d.minDelta, madFactor * mad), median: m };
}

/**
 * Judges `current` against `history` (the volume's previous backups, oldest first; initial ones
 * and those without signals already left out by the caller or ignored here).
 */
export function judgeSignals(current: ChangeSignals, history: readonly ChangeSignals[], t: SignalThresholds = defaultSignalThresholds): Suspicion {
  if (!t.enabled) return { verdict: 'unjudged', reasons: ['change signals are not judged for this policy'] };
  if (current.initial) return { verdict: 'unjudged', reasons: ['first backup of the volume: nothing to compare with'] };
  const past = history.filter((h) => !h.initial).slice(-t.historyWindow);
  if (past.length < t.minHistory) return { verdict: 'unjudged', reasons: [`${past.length} of the ${t.minHistory} earlier backups needed to learn the volume's usual change`] };

  const reasons: string[] = [];
  const rw = rewrittenShare(current);
  const rwD = departs(rw, past.map(rewrittenShare), t.rewritten, t.madFactor);
  const rwText = `${pct(rw)} of the files were rewritten or removed (${current.filesChanged} changed, ${current.filesRemoved} removed; history: median ${pct(rwD.median)})`;

  const inc = current.bytesNew >= t.minNewBytes ? incompressibleShare(current) : undefined;
  const incHistory = past.filter((h) => h.bytesNew >= t.minNewBytes).map((h) => incompressibleShare(h)!);
  // A volume that rarely writes enough new data to measure has no usual share: judge it against 0.
  const incD = inc === undefined ? undefined : departs(inc, incHistory.length ? incHistory : [0], t.incompressible, t.madFactor);
  const incText = inc === undefined ? '' : `${pct(inc)} of new data is incompressible (history: ${incHistory.length ? `median ${pct(incD!.median)}` : 'too little new data to measure'})`;

  if (rwD.departs && incD?.departs) reasons.push(incText, rwText);

  const top = topRename(current);
  const before = parentFiles(current);
  const newShare = current.bytesChanged === 0 ? 0 : current.bytesNew / current.bytesChanged;
  if (top && top.count >= t.renamedFiles && before > 0 && top.count / before >= t.renamedShare && newShare >= t.renamedNewShare) {
    const usual = median(past.map((h) => h.renamed[top.ext] ?? 0));
    if (top.count - usual >= t.renamedFiles) {
      reasons.push(`${top.count} files renamed to ${top.ext || 'no extension'} with new content (history: median ${usual})`);
      if (!reasons.includes(incText) && incD?.departs) reasons.push(incText);
    }
  }
  if (reasons.length) return { verdict: 'suspicious', reasons };
  return { verdict: 'normal', reasons: [] };
}
