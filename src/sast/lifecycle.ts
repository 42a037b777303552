/**
 * Finding lifecycle along one stream (application, ref, tool, category): each scan's results are
 * matched to known findings by identity.
 * - new: an identity no scan of the stream saw before;
 * - unchanged: seen again (a suppressed or fixed one seen unsuppressed again is re-opened);
 * - fixed: open before, absent from a *complete* scan. A failed run (executionSuccessful: false)
 *   or one without results fixes nothing: it proves nothing absent.
 * - dismissed: set by a person with a reason; re-scans that still see it leave it dismissed.
 * A report older than the stream's newest complete scan (ingested late) adds its evidence to the
 * versions it scanned but changes no state: the newer scan already decided.
 */
import { createHash } from 'node:crypto';
import type { SastStore, Stream, FindingState } from '../catalog/index.js';
import type { KeptNew } from './kept-new.js';
import type { NormalisedRun } from './normalise.js';
import type { Severity } from './severity.js';

export interface LifecycleCounts {
  new: number;
  unchanged: number;
  reopened: number;
  fixed: number;
  suppressed: number;
  dismissed: number;
}

export interface NewFinding {
  id: string;
  severity: Severity;
  ruleId: string;
  message: string;
}

export interface ScanContext {
  scanId: number;
  commit: string;
  scanTime: Date;
  repository: string;
  /** Receives the findings this scan opened for the first time (for incident proposals). */
  newOpen?: Pick<KeptNew, 'add'>;
  /** The scan is made of several runs of the report (merge-runs.ts), which may report one finding twice. */
  merged?: boolean;
}

export function findingId(repository: string, st: Stream, identity: string): string {
  // Not a slice of the full hex, which would keep the 64-character string alive with each id.
  return createHash('sha256').update([repository, st.ref, st.tool, st.category, identity].join('\u0000')).digest().toString('hex', 0, 8);
}

export function applyLifecycle(store: SastStore, st: Stream, run: NormalisedRun, ctx: ScanContext): LifecycleCounts {
  const counts: LifecycleCounts = { new: 0, unchanged: 0, reopened: 0, fixed: 0, suppressed: 0, dismissed: 0 };
  const later = store.nextCompleteScan(st, ctx.scanTime);
  const at = ctx.scanTime.toISOString();
  // Identities are unique within a run: only a scan merged from several runs can repeat one, and
  // only then is a set of them worth its memory (200k identities for a large report).
  const seen = ctx.merged ? new Set<string>() : undefined;
  for (const r of run.results) {
    if (seen?.has(r.identity)) continue;
    seen?.add(r.identity);
    if (r.suppressed) counts.suppressed++;
    const f = store.findInStream(st, r.identity);
    let id: string;
    if (!f) {
      id = findingId(ctx.repository, st, r.identity);
      // Late evidence: the newer complete scan did not see it, so it was already fixed by then.
      const state: FindingState = later ? 'fixed' : r.suppressed ? 'suppressed' : 'open';
      store.insertFinding({
        id,
        applicationId: st.applicationId,
        ref: st.ref,
        tool: st.tool,
        category: st.category,
        identity: r.identity,
        ruleId: r.ruleId,
        path: r.path,
        startLine: r.startLine,
        severity: r.severity,
        cwes: r.cwes,
        message: r.message,
        state,
        firstSeenScanId: ctx.scanId,
        firstSeenCommit: ctx.commit,
        firstSeenAt: at,
        lastSeenScanId: ctx.scanId,
        lastSeenCommit: ctx.commit,
        lastSeenAt: at,
        fixedCommit: later ? later.commit : undefined,
        fixedAt: later ? later.scanTime.toISOString() : undefined,
        dismissedReason: undefined,
        dismissedComment: undefined,
        dismissedAt: undefined,
      });
      counts.new++;
      if (state === 'open') ctx.newOpen?.add({ id, severity: r.severity, ruleId: r.ruleId, message: r.message });
    } else {
      id = f.id;
      if (later) {
        if (at < f.firstSeenAt) store.updateFinding(id, { firstSeenScanId: ctx.scanId, firstSeenCommit: ctx.commit, firstSeenAt: at });
        counts.unchanged++;
      } else {
        let state: FindingState = f.state;
        if (f.state === 'dismissed') counts.dismissed++;
        else if (r.suppressed) state = 'suppressed';
        else if (f.state === 'fixed') {
          state = 'open';
          counts.reopened++;
        } else state = 'open';
        const reopen = f.state === 'fixed' && state !== 'fixed';
        if (!(reopen && state === 'open')) counts.unchanged++;
        store.touchFinding(
          id,
          { state, ruleId: r.ruleId, path: r.path, startLine: r.startLine, severity: r.severity, cwes: r.cwes, message: r.message, lastSeenScanId: ctx.scanId, lastSeenCommit: ctx.commit, lastSeenAt: at },
          reopen,
          f,
        );
      }
    }
    store.addOccurrence(ctx.scanId, id, r.startLine, r.suppressed);
  }

  // Every finding this scan saw now has it as its last-seen scan (when no later scan decided).
  if (run.status === 'complete' && !later) counts.fixed = store.fixUnseen(st, ctx.scanId, ctx.commit, at);
  return counts;
}
