/**
 * `holdfast sast ingest --config holdfast.yaml`: the report's new findings go to the same incident
 * trigger as `holdfast serve`'s SARIF upload (src/playbook propose.ts): a new finding at or above
 * the config's `sast.blockAt` in a version deployed now proposes one incident per volume that
 * version writes (the most severe finding's; the others withdrawn in its favour). Proposals only —
 * nothing runs, and there is no alert from here (webhooks are serve's): the proposal is in the
 * catalog serve uses, where its dashboard, API and alerts see it, and `holdfast incident approve`
 * runs it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isHoldfastError } from '../../base/errors.js';
import type { Catalog } from '../../catalog/index.js';
import type { LoadedConfig } from '../../config/index.js';
import { proposeForReport, type ReportProposals } from '../../playbook/index.js';
import { idsAtOrAbove, type IngestSummary } from '../../sast/index.js';
import { cliClock } from './sast-catalog.js';

export interface IngestIncidents {
  threshold: string;
  proposed: ReportProposals['proposed'];
  refused: ReportProposals['refused'];
  withdrawn: ReportProposals['withdrawn'];
  /** Every new finding at or above the threshold: its trigger decision, including the ones that proposed nothing, and why. */
  decisions: { findingId: string; action: string; reason: string; message: string }[];
  /** New findings below the threshold: counted, offered to no trigger. */
  belowThreshold: number;
}

/** What the trigger needs of a report's ingest: made with `keepFor`, it holds every new finding at or above the threshold. */
type NewOfReport = Pick<IngestSummary, 'newOpenFindings' | 'newOpenCount'>;

/** What the ingest must hand back for the trigger: every new finding at or above sast.blockAt, as serve's upload asks. */
export const keepFor = (loaded: LoadedConfig) => ({ atOrAbove: loaded.config.sast.blockAt, max: 1000 });

/** The catalog `holdfast serve` uses for this config, unless --catalog names one. */
export function catalogOfConfig(loaded: LoadedConfig): string {
  const dataDir = loaded.resolvePath(loaded.config.server.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return join(dataDir, 'catalog.db');
}

export async function proposeForIngest(loaded: LoadedConfig, catalog: Catalog, report: NewOfReport, o: { json?: boolean; file: string }): Promise<IngestIncidents> {
  const threshold = loaded.config.sast.blockAt;
  const ids = idsAtOrAbove(report.newOpenFindings, threshold);
  const log = (line: string) => process.stderr.write(o.json ? JSON.stringify({ time: cliClock.now().toISOString(), msg: line }) + '\n' : `holdfast sast ingest: ${line}\n`);
  try {
    const r = await proposeForReport({ loaded, catalog, clock: cliClock, env: process.env, log }, ids, { threshold });
    return {
      threshold,
      proposed: r.proposed,
      refused: r.refused,
      withdrawn: r.withdrawn,
      decisions: r.outcomes.map((x) => ({ findingId: x.findingId, action: x.decision.action, reason: x.decision.reason, message: x.decision.message })),
      belowThreshold: report.newOpenCount - ids.length,
    };
  } catch (e) {
    // The report is in the catalog already; name what did not happen, so nobody re-sends it expecting a proposal.
    if (isHoldfastError(e)) e.message = `sast ingest ${o.file}: the report is ingested, but proposing incidents failed: ${e.message}`;
    throw e;
  }
}

export function describeIncidents(r: IngestIncidents, configFile: string): string[] {
  const lines: string[] = [];
  if (r.decisions.length === 0 && r.belowThreshold === 0) return [`incidents: no new finding, nothing to propose`];
  for (const p of r.proposed)
    lines.push(
      `incident ${p.id} proposed for volume ${p.volume}: ${r.decisions.find((d) => d.findingId === p.findingId)?.message ?? p.message}` +
        (p.alsoFindings.length ? ` (and ${p.alsoFindings.length} more finding(s) of this report)` : ''),
      `  approve: holdfast incident approve ${p.id} --config ${configFile}   (or in holdfast serve's dashboard)`,
    );
  for (const w of r.withdrawn) lines.push(`incident ${w.id} (finding ${w.findingId}) ${w.message}`);
  for (const x of r.refused) lines.push(`no incident for volume ${x.volume} (finding ${x.findingId}): ${x.message}`);
  for (const d of r.decisions.filter((x) => x.action === 'none')) lines.push(`no incident for finding ${d.findingId}: ${d.message}`);
  // Below the threshold is the common case for most findings: counted, not listed.
  if (r.belowThreshold) lines.push(`${r.belowThreshold} new finding(s) below sast.blockAt (${r.threshold}): no incident`);
  return lines;
}
