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
import type { FindingState, MatchEntry, SastStore, Stream, StreamEntry } from '../catalog/index.js';
import type { KeptNew } from './kept-new.js';
import { matchPrevious, surroundingsDiffer, unpackMatch, type MatchPaths, type MatchSide } from './match.js';
import { sha256Hex } from './identity.js';
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
  /** Called before each result: throws to stop the ingest (its transaction then rolls back). */
  check?: () => void;
}

export function findingId(repository: string, st: Stream, identity: string): string {
  return sha256Hex([repository, st.ref, st.tool, st.category, identity].join('\u0000'), 8);
}

type Result = NormalisedRun['results'][number];

export function applyLifecycle(store: SastStore, st: Stream, run: NormalisedRun, ctx: ScanContext): LifecycleCounts {
  const counts: LifecycleCounts = { new: 0, unchanged: 0, reopened: 0, fixed: 0, suppressed: 0, dismissed: 0 };
  const later = store.nextCompleteScan(st, ctx.scanTime);
  const at = ctx.scanTime.toISOString();
  // Identities are unique within a run: only a scan merged from several runs can repeat one, and
  // only then is a set of them worth its memory (200k identities for a large report).
  const seen = ctx.merged ? new Set<string>() : undefined;
  const seenAgain = (r: Result, f: StreamEntry) => {
    if (later) {
      if (at < f.firstSeenAt) store.updateFinding(f.id, { firstSeenScanId: ctx.scanId, firstSeenCommit: ctx.commit, firstSeenAt: at });
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
        f.id,
        { state, ruleId: r.ruleId, path: r.path, startLine: r.startLine, severity: r.severity, severitySaid: r.severitySaid, cwes: r.cwes, message: r.message, lastSeenScanId: ctx.scanId, lastSeenCommit: ctx.commit, lastSeenAt: at },
        reopen,
        f,
        r.match,
      );
    }
    store.addOccurrence(ctx.scanId, f.id, r.startLine, r.suppressed);
  };
  // A stream's first scan (200k results for a large report) looks nothing up, and has nothing it
  // did not see to fix: every finding of the stream is one it inserts.
  const known = store.streamHasFindings(st);
  // Matching (match.ts) only when the stream has findings it could match: not on a first scan.
  const matching = !later && known && store.hasMatchable(st);
  // Results whose identity found nothing, or cannot be trusted to, with what it found.
  const unfound: { r: Result; found: StreamEntry | undefined }[] = [];
  // Paths of the results found by identity: files the stream knew, so not a rename's new name.
  const foundPaths = new Set<string>();
  for (const r of run.results) {
    ctx.check?.();
    if (seen?.has(r.identity)) continue;
    seen?.add(r.identity);
    if (r.suppressed) counts.suppressed++;
    const f = known ? store.findInStream(st, r.identity) : undefined;
    const matchable = matching && r.match !== undefined;
    // Found by a key it may have taken from a copy that went (what is around it differs): matched
    // below, where the copy's own finding comes first; what it found is the fallback.
    const doubtful = matchable && f?.match !== undefined && surroundingsDiffer(r.match!, f.match);
    if (doubtful || (!f && matchable)) unfound.push({ r, found: f });
    else if (f) {
      if (matching && r.path !== undefined) foundPaths.add(r.path);
      seenAgain(r, f);
    } else insertNew(r, r.identity);
  }
  if (unfound.length) {
    const candidates = store.unseenInStream(st, ctx.scanId);
    const matched = matchPrevious(
      unfound.map(({ r }) => side(r)),
      candidates.map((c) => ({ ...unpackMatch(c.match), path: c.path, line: c.startLine })),
      matchPaths(run, foundPaths, candidates),
    );
    const claimed = new Set([...matched.values()].map((j) => candidates[j]!.id));
    unfound.forEach(({ r, found }, i) => {
      const j = matched.get(i);
      if (j !== undefined) seenAgain(r, candidates[j]!);
      else if (found && !claimed.has(found.id)) seenAgain(r, found);
      else insertNew(r, found ? freeIdentity(store, st, r.identity) : r.identity);
    });
  }

  function insertNew(r: Result, identity: string) {
    const id = findingId(ctx.repository, st, identity);
    // Late evidence: the newer complete scan did not see it, so it was already fixed by then.
    const state: FindingState = later ? 'fixed' : r.suppressed ? 'suppressed' : 'open';
    store.insertFinding(
      {
        id,
        applicationId: st.applicationId,
        ref: st.ref,
        tool: st.tool,
        category: st.category,
        identity,
        ruleId: r.ruleId,
        path: r.path,
        startLine: r.startLine,
        severity: r.severity,
        severitySaid: r.severitySaid,
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
      },
      r.match,
    );
    counts.new++;
    if (state === 'open') ctx.newOpen?.add({ id, severity: r.severity, ruleId: r.ruleId, message: r.message });
    store.addOccurrence(ctx.scanId, id, r.startLine, r.suppressed);
  }

  // Every finding this scan saw now has it as its last-seen scan (when no later scan decided).
  if (run.status === 'complete' && !later && known) counts.fixed = store.fixUnseen(st, ctx.scanId, ctx.commit, at);
  return counts;
}

function side(r: Result): MatchSide {
  const m = unpackMatch(r.match!);
  return { key: m.key, context: m.context, path: r.path, line: r.startLine };
}

/** The paths this scan has results in, and those the stream had findings in before it. */
function matchPaths(run: NormalisedRun, found: ReadonlySet<string>, candidates: readonly MatchEntry[]): MatchPaths {
  const scanned = new Set<string>();
  for (const r of run.results) if (r.path !== undefined) scanned.add(r.path);
  const known = new Set(found);
  for (const c of candidates) if (c.path !== undefined) known.add(c.path);
  return { scanned, known };
}

/**
 * An identity no finding of the stream has: a copy told apart by its order can be given one that
 * another copy's finding (matched elsewhere, or fixed) still holds.
 */
function freeIdentity(store: SastStore, st: Stream, identity: string): string {
  let id = identity;
  while (store.findInStream(st, id)) id = sha256Hex(`${id}\u0000again`, 16);
  return id;
}
