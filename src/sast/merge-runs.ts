/**
 * A report is one scan. Runs of the same tool and category in one report (Snyk Container writes
 * one for the OS packages and one for the application's dependencies) are parts of that scan:
 * they are merged into one before the lifecycle, never compared with each other. Comparing them
 * would let run 1 "fix" what run 0 found, and a vulnerable image would look clean; only a later
 * report can fix a finding.
 */
import type { Resolved } from './envelope.js';
import type { NormalisedRun, RunStatus } from './normalise.js';

export interface ReportScan extends Resolved {
  run: NormalisedRun;
  /** The report's runs this scan was made of, in report order. */
  runIndexes: number[];
}

// A merged scan proves absence only if every part could: one failed or unreadable part poisons it.
const weight: Record<RunStatus, number> = { complete: 0, unknown: 1, failed: 2 };

function mergeAll(parts: readonly NormalisedRun[]): NormalisedRun {
  const first = parts[0]!;
  if (parts.length === 1) return first;
  const worst = parts.reduce((w, p) => (weight[p.status] > weight[w.status] ? p : w));
  return {
    ...first,
    toolVersion: parts.find((p) => p.toolVersion)?.toolVersion,
    status: worst.status,
    statusReason: worst.status === 'complete' ? first.statusReason : `run ${worst.index}: ${worst.statusReason}`,
    results: parts.flatMap((p) => p.results),
    notFailures: parts.reduce((n, p) => n + p.notFailures, 0),
    unreadable: parts.reduce((n, p) => n + p.unreadable, 0),
    startTime: parts.map((p) => p.startTime).filter((t): t is string => !!t).sort()[0],
    provenance: parts.flatMap((p) => p.provenance),
    rules: parts.flatMap((p) => p.rules),
    warnings: parts.flatMap((p) => p.warnings),
  };
}

/** Groups runs by (commit, tool, category), in the order of each group's first run. */
export function mergeRuns(runs: readonly NormalisedRun[], resolved: readonly Resolved[]): ReportScan[] {
  const groups = new Map<string, { resolved: Resolved; parts: NormalisedRun[] }>();
  runs.forEach((run, i) => {
    const r = resolved[i]!;
    const key = [r.commit, run.tool, r.category].join('\u0000');
    const g = groups.get(key);
    if (g) g.parts.push(run);
    else groups.set(key, { resolved: r, parts: [run] });
  });
  return [...groups.values()].map((g) => ({ ...g.resolved, run: mergeAll(g.parts), runIndexes: g.parts.map((p) => p.index) }));
}
