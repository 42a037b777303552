/**
 * Storage of SAST scans and findings. The rules (identity, lifecycle, verdicts) live in sast/;
 * this file only reads and writes rows. A stream is what lifecycle compares along: one
 * (application, ref, tool, category).
 */
import type Database from 'better-sqlite3';
import { invalidInput, notFound } from '../base/errors.js';

export type ScanStatus = 'complete' | 'failed' | 'unknown';
export type FindingState = 'open' | 'fixed' | 'dismissed' | 'suppressed';

export interface Stream {
  applicationId: number;
  ref: string;
  tool: string;
  category: string;
}

export interface NewScan extends Stream {
  reportSha256: string;
  runIndex: number;
  versionId: number;
  toolVersion: string | undefined;
  scanTime: Date;
  ingestedAt: Date;
  status: ScanStatus;
  resultCount: number;
  warnings: string[];
}

export interface ScanRow extends NewScan {
  id: number;
  repository: string;
  commit: string;
}

export interface FindingRow {
  id: string;
  repository: string;
  ref: string;
  tool: string;
  category: string;
  identity: string;
  ruleId: string;
  path: string | undefined;
  startLine: number | undefined;
  severity: string;
  /** What each source said of the severity (packed by sast/severity-said.ts); undefined: not recorded. */
  severitySaid: string | undefined;
  cwes: string[];
  message: string;
  state: FindingState;
  firstSeenScanId: number;
  firstSeenCommit: string;
  firstSeenAt: string;
  lastSeenScanId: number;
  lastSeenCommit: string;
  lastSeenAt: string;
  fixedCommit: string | undefined;
  fixedAt: string | undefined;
  dismissedReason: string | undefined;
  dismissedComment: string | undefined;
  dismissedAt: string | undefined;
}

export interface StreamEntry {
  id: string;
  identity: string;
  state: FindingState;
  severity: string;
  firstSeenAt: string;
  /** What matching needs of it as last seen (packed by sast/match.ts). */
  match: string | undefined;
}

/** What matching needs of a finding: where it was, and its match data. */
export interface MatchEntry extends StreamEntry {
  path: string | undefined;
  startLine: number | undefined;
  match: string;
}

/** A rule as the scanner described it (SARIF reportingDescriptor). */
export interface RuleInfo {
  tool: string;
  ruleId: string;
  name: string | undefined;
  shortDescription: string | undefined;
  fullDescription: string | undefined;
  helpText: string | undefined;
  helpMarkdown: string | undefined;
  helpUri: string | undefined;
}

export interface FindingFilter {
  repository?: string;
  ref?: string;
  tool?: string;
  states?: readonly string[];
  severities?: readonly string[];
}

// Column names are few and rows many (a version's 200k findings): convert each name once, not per row.
const camelNames = new Map<string, string>();
const camel = (s: string): string => {
  let c = camelNames.get(s);
  if (c === undefined) camelNames.set(s, (c = s.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase())));
  return c;
};
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

/** A finding as one scan saw it, with what a verdict weighs. */
export type ScanFinding = Pick<FindingRow, 'id' | 'severity' | 'state' | 'ruleId' | 'path' | 'message'> & { suppressedInScan: boolean };

// Lifecycle's own columns, not part of a finding as users see it.
const matchColumns = new Set(['match']);

function toFinding(r: Record<string, unknown>): FindingRow {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (!matchColumns.has(k)) o[camel(k)] = v === null ? undefined : v;
  o.cwes = JSON.parse(String(r.cwes)) as string[];
  return o as unknown as FindingRow;
}

function toScan(r: Record<string, unknown>): ScanRow {
  return {
    id: Number(r.id),
    reportSha256: String(r.report_sha256),
    runIndex: Number(r.run_index),
    applicationId: Number(r.application_id),
    versionId: Number(r.version_id),
    repository: String(r.repository),
    commit: String(r.commit_sha),
    ref: String(r.ref),
    tool: String(r.tool),
    toolVersion: r.tool_version === null ? undefined : String(r.tool_version),
    category: String(r.category),
    scanTime: new Date(String(r.scan_time)),
    ingestedAt: new Date(String(r.ingested_at)),
    status: r.status as ScanStatus,
    resultCount: Number(r.result_count),
    warnings: JSON.parse(String(r.warnings)) as string[],
  };
}

const findingSelect = 'SELECT f.*, a.repository FROM findings f JOIN applications a ON a.id = f.application_id';
const scanSelect = 'SELECT s.*, a.repository, v.commit_sha FROM scans s JOIN applications a ON a.id = s.application_id JOIN versions v ON v.id = s.version_id';

export class SastStore {
  // Statements are prepared once: ingesting 100k results prepares nothing per result.
  private readonly cache = new Map<string, Database.Statement>();
  private readonly db: { prepare(sql: string): Database.Statement };

  constructor(raw: Database.Database) {
    this.db = {
      prepare: (sql: string) => {
        let st = this.cache.get(sql);
        if (!st) {
          st = raw.prepare(sql);
          this.cache.set(sql, st);
        }
        return st;
      },
    };
  }

  insertScan(s: NewScan): number {
    const r = this.db
      .prepare(
        `INSERT INTO scans (report_sha256, run_index, application_id, version_id, ref, tool, tool_version, category,
           scan_time, ingested_at, status, result_count, warnings) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
      )
      .run(s.reportSha256, s.runIndex, s.applicationId, s.versionId, s.ref, s.tool, s.toolVersion ?? null, s.category,
        s.scanTime.toISOString(), s.ingestedAt.toISOString(), s.status, s.resultCount, JSON.stringify(s.warnings));
    return Number(r.lastInsertRowid);
  }

  /** The scan of this exact report run already ingested for this version/ref/category, if any. */
  findSameScan(reportSha256: string, runIndex: number, versionId: number, ref: string, category: string): ScanRow | undefined {
    const r = this.db
      .prepare(`${scanSelect} WHERE s.report_sha256 = ? AND s.run_index = ? AND s.version_id = ? AND s.ref = ? AND s.category = ?`)
      .get(reportSha256, runIndex, versionId, ref, category) as Record<string, unknown> | undefined;
    return r ? toScan(r) : undefined;
  }

  /** The scans made from this exact report for this version and ref: an identical upload. */
  scansOfReport(reportSha256: string, versionId: number, ref: string): ScanRow[] {
    return (this.db
      .prepare(`${scanSelect} WHERE s.report_sha256 = ? AND s.version_id = ? AND s.ref = ? ORDER BY s.id`)
      .all(reportSha256, versionId, ref) as Record<string, unknown>[]).map(toScan);
  }

  /** The newest complete scan of a stream scanned at or before `before` (excluding scan `exceptId`). */
  latestCompleteScan(st: Stream, before: Date, exceptId?: number): ScanRow | undefined {
    const r = this.db
      .prepare(`${scanSelect} WHERE s.application_id = ? AND s.ref = ? AND s.tool = ? AND s.category = ? AND s.status = 'complete'
        AND s.scan_time <= ? AND s.id != ? ORDER BY s.scan_time DESC, s.id DESC LIMIT 1`)
      .get(st.applicationId, st.ref, st.tool, st.category, before.toISOString(), exceptId ?? -1) as Record<string, unknown> | undefined;
    return r ? toScan(r) : undefined;
  }

  /** Whether a complete scan newer than `after` exists: an older report must not re-open or fix anything. */
  hasNewerCompleteScan(st: Stream, after: Date): boolean {
    return !!this.db
      .prepare(`SELECT 1 FROM scans WHERE application_id = ? AND ref = ? AND tool = ? AND category = ? AND status = 'complete' AND scan_time > ? LIMIT 1`)
      .get(st.applicationId, st.ref, st.tool, st.category, after.toISOString());
  }

  /** The oldest complete scan of a stream scanned after `after`: what proves an old finding was fixed. */
  nextCompleteScan(st: Stream, after: Date): ScanRow | undefined {
    const r = this.db
      .prepare(`${scanSelect} WHERE s.application_id = ? AND s.ref = ? AND s.tool = ? AND s.category = ? AND s.status = 'complete'
        AND s.scan_time > ? ORDER BY s.scan_time, s.id LIMIT 1`)
      .get(st.applicationId, st.ref, st.tool, st.category, after.toISOString()) as Record<string, unknown> | undefined;
    return r ? toScan(r) : undefined;
  }

  streamFindings(st: Stream): FindingRow[] {
    return (this.db
      .prepare(`${findingSelect} WHERE f.application_id = ? AND f.ref = ? AND f.tool = ? AND f.category = ?`)
      .all(st.applicationId, st.ref, st.tool, st.category) as Record<string, unknown>[]).map(toFinding);
  }

  /**
   * What lifecycle needs of the stream's finding with this identity, found by the stream's unique
   * index: a scan of 200k results looks each up instead of holding the whole stream in memory.
   */
  findInStream(st: Stream, identity: string): StreamEntry | undefined {
    const r = this.db
      .prepare('SELECT id, identity, state, severity, first_seen_at, match FROM findings WHERE application_id = ? AND ref = ? AND tool = ? AND category = ? AND identity = ?')
      .get(st.applicationId, st.ref, st.tool, st.category, identity) as { id: string; identity: string; state: FindingState; severity: string; first_seen_at: string; match: string | null } | undefined;
    return r ? { id: r.id, identity: r.identity, state: r.state, severity: r.severity, firstSeenAt: r.first_seen_at, match: r.match ?? undefined } : undefined;
  }

  /** Whether the stream has any finding: before its first scan it has none to look up or fix. */
  streamHasFindings(st: Stream): boolean {
    return !!this.db
      .prepare('SELECT 1 FROM findings WHERE application_id = ? AND ref = ? AND tool = ? AND category = ? LIMIT 1')
      .get(st.applicationId, st.ref, st.tool, st.category);
  }

  /** Whether the stream has a finding matching could find (sast/match.ts): none before its first scan. */
  hasMatchable(st: Stream): boolean {
    return !!this.db
      .prepare("SELECT 1 FROM findings WHERE application_id = ? AND ref = ? AND tool = ? AND category = ? AND state != 'fixed' AND match IS NOT NULL LIMIT 1")
      .get(st.applicationId, st.ref, st.tool, st.category);
  }

  /** The stream's findings that are not fixed, scan `scanId` has not seen (yet), and can be matched. */
  unseenInStream(st: Stream, scanId: number): MatchEntry[] {
    const rows = this.db
      .prepare(
        `SELECT id, identity, state, severity, first_seen_at, match, path, start_line FROM findings
         WHERE application_id = ? AND ref = ? AND tool = ? AND category = ? AND state != 'fixed' AND last_seen_scan_id != ? AND match IS NOT NULL`,
      )
      .all(st.applicationId, st.ref, st.tool, st.category, scanId) as Record<string, string | number | null>[];
    return rows.map((r) => ({
      id: String(r.id),
      identity: String(r.identity),
      state: r.state as FindingState,
      severity: String(r.severity),
      firstSeenAt: String(r.first_seen_at),
      match: String(r.match),
      path: r.path === null ? undefined : String(r.path),
      startLine: r.start_line === null ? undefined : Number(r.start_line),
    }));
  }

  /**
   * Marks fixed every open or suppressed finding of the stream that scan `scanId` did not see (a
   * finding it saw has it as last-seen scan); returns how many.
   */
  fixUnseen(st: Stream, scanId: number, fixedCommit: string, fixedAt: string): number {
    return this.db
      .prepare(
        `UPDATE findings SET state = 'fixed', fixed_commit = ?, fixed_at = ? WHERE application_id = ? AND ref = ? AND tool = ? AND category = ?
           AND state IN ('open', 'suppressed') AND last_seen_scan_id != ?`,
      )
      .run(fixedCommit, fixedAt, st.applicationId, st.ref, st.tool, st.category, scanId).changes;
  }

  insertFinding(f: Omit<FindingRow, 'repository'> & { applicationId: number }, match?: string): void {
    this.db
      .prepare(
        `INSERT INTO findings (id, application_id, ref, tool, category, identity, rule_id, path, start_line, severity, severity_said, cwes, message, state,
           first_seen_scan_id, first_seen_commit, first_seen_at, last_seen_scan_id, last_seen_commit, last_seen_at, fixed_commit, fixed_at,
           dismissed_reason, dismissed_comment, dismissed_at, match) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
      )
      .run(f.id, f.applicationId, f.ref, f.tool, f.category, f.identity, f.ruleId, f.path ?? null, f.startLine ?? null, f.severity, f.severitySaid ?? null, JSON.stringify(f.cwes), f.message, f.state,
        f.firstSeenScanId, f.firstSeenCommit, f.firstSeenAt, f.lastSeenScanId, f.lastSeenCommit, f.lastSeenAt, f.fixedCommit ?? null, f.fixedAt ?? null,
        f.dismissedReason ?? null, f.dismissedComment ?? null, f.dismissedAt ?? null, match ?? null);
  }

  /**
   * A finding seen again: its latest shape and last-seen scan; `reopen` clears the fix. `was` is
   * what the stream index said: when state and severity are unchanged they are not written, so
   * the (state, severity) index is not rewritten for every re-seen finding.
   */
  touchFinding(
    id: string,
    t: Pick<FindingRow, 'state' | 'ruleId' | 'path' | 'startLine' | 'severity' | 'severitySaid' | 'cwes' | 'message' | 'lastSeenScanId' | 'lastSeenCommit' | 'lastSeenAt'>,
    reopen: boolean,
    was?: Pick<StreamEntry, 'state' | 'severity'>,
    match?: string,
  ): void {
    if (!reopen && was && was.state === t.state && was.severity === t.severity) {
      this.db
        .prepare('UPDATE findings SET rule_id = ?, path = ?, start_line = ?, severity_said = ?, cwes = ?, message = ?, last_seen_scan_id = ?, last_seen_commit = ?, last_seen_at = ?, match = ? WHERE id = ?')
        .run(t.ruleId, t.path ?? null, t.startLine ?? null, t.severitySaid ?? null, JSON.stringify(t.cwes), t.message, t.lastSeenScanId, t.lastSeenCommit, t.lastSeenAt, match ?? null, id);
      return;
    }
    this.db
      .prepare(
        `UPDATE findings SET state = ?, rule_id = ?, path = ?, start_line = ?, severity = ?, severity_said = ?, cwes = ?, message = ?, last_seen_scan_id = ?,
           last_seen_commit = ?, last_seen_at = ?, fixed_commit = CASE WHEN ? THEN NULL ELSE fixed_commit END,
           fixed_at = CASE WHEN ? THEN NULL ELSE fixed_at END, match = ? WHERE id = ?`,
      )
      .run(t.state, t.ruleId, t.path ?? null, t.startLine ?? null, t.severity, t.severitySaid ?? null, JSON.stringify(t.cwes), t.message, t.lastSeenScanId, t.lastSeenCommit, t.lastSeenAt, reopen ? 1 : 0, reopen ? 1 : 0, match ?? null, id);
  }

  updateFinding(id: string, patch: Partial<Omit<FindingRow, 'id' | 'repository'>>): void {
    const cols = Object.keys(patch);
    if (cols.length === 0) return;
    const values = cols.map((k) => {
      const v = (patch as Record<string, unknown>)[k];
      return k === 'cwes' ? JSON.stringify(v) : v === undefined ? null : v;
    });
    this.db.prepare(`UPDATE findings SET ${cols.map((c) => snake(c) + ' = ?').join(', ')} WHERE id = ?`).run(...values, id);
  }

  addOccurrence(scanId: number, findingId: string, startLine: number | undefined, suppressed: boolean): void {
    this.db
      .prepare('INSERT OR IGNORE INTO scan_findings (scan_id, finding_id, start_line, suppressed) VALUES (?, ?, ?, ?)')
      .run(scanId, findingId, startLine ?? null, suppressed ? 1 : 0);
  }

  /** Records a rule's description; the newest report's replaces an older one. */
  upsertRule(r: RuleInfo, at: Date): void {
    this.db
      .prepare(
        `INSERT INTO sast_rules (tool, rule_id, name, short_description, full_description, help_text, help_markdown, help_uri, updated_at) VALUES (?,?,?,?,?,?,?,?,?)
         ON CONFLICT (tool, rule_id) DO UPDATE SET name = excluded.name, short_description = excluded.short_description, full_description = excluded.full_description,
           help_text = excluded.help_text, help_markdown = excluded.help_markdown, help_uri = excluded.help_uri, updated_at = excluded.updated_at`,
      )
      .run(r.tool, r.ruleId, r.name ?? null, r.shortDescription ?? null, r.fullDescription ?? null, r.helpText ?? null, r.helpMarkdown ?? null, r.helpUri ?? null, at.toISOString());
  }

  getRule(tool: string, ruleId: string): RuleInfo | undefined {
    const r = this.db.prepare('SELECT * FROM sast_rules WHERE tool = ? AND rule_id = ?').get(tool, ruleId) as Record<string, string | null> | undefined;
    if (!r) return undefined;
    const v = (x: string | null | undefined) => x ?? undefined;
    return { tool, ruleId, name: v(r.name), shortDescription: v(r.short_description), fullDescription: v(r.full_description), helpText: v(r.help_text), helpMarkdown: v(r.help_markdown), helpUri: v(r.help_uri) };
  }

  getFinding(id: string): FindingRow | undefined {
    const r = this.db.prepare(`${findingSelect} WHERE f.id = ?`).get(id) as Record<string, unknown> | undefined;
    return r ? toFinding(r) : undefined;
  }

  listFindings(filter: FindingFilter = {}): FindingRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.repository) {
      where.push('a.repository = ?');
      args.push(filter.repository);
    }
    if (filter.ref) {
      where.push('f.ref = ?');
      args.push(filter.ref);
    }
    if (filter.tool) {
      where.push('f.tool = ?');
      args.push(filter.tool);
    }
    if (filter.states?.length) {
      where.push(`f.state IN (${filter.states.map(() => '?').join(',')})`);
      args.push(...filter.states);
    }
    if (filter.severities?.length) {
      where.push(`f.severity IN (${filter.severities.map(() => '?').join(',')})`);
      args.push(...filter.severities);
    }
    const sql = `${findingSelect} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY a.repository, f.path, f.start_line, f.id`;
    return (this.db.prepare(sql).all(...args) as Record<string, unknown>[]).map(toFinding);
  }

  /** A dismissal is kept on the finding, so later scans that still see it leave it dismissed. */
  dismiss(id: string, reason: string, comment: string | undefined, at: Date): FindingRow {
    const f = this.getFinding(id);
    if (!f) throw notFound('FINDING_NOT_FOUND', `dismiss finding ${id}: no such finding`);
    if (f.state === 'fixed') throw invalidInput('FINDING_FIXED', `dismiss finding ${id}: it is already fixed`);
    this.updateFinding(id, { state: 'dismissed', dismissedReason: reason, dismissedComment: comment, dismissedAt: at.toISOString() });
    return this.getFinding(id)!;
  }

  /**
   * Changes whenever a verdict could: a new scan (an ingest, a rebuild) or a dismissal (findings
   * only ever become dismissed, and only a scan changes one back). Two index reads, so a view can
   * keep a verdict that reading every finding of a version made (seconds at 200k findings) until
   * then, whichever process changed the catalog. Asked on every verdict a page shows: the audit
   * table, with no index by action, was scanned whole when nothing had been dismissed.
   */
  verdictGeneration(): string {
    const r = this.db
      .prepare(`SELECT (SELECT MAX(id) FROM scans) AS scan, (SELECT COUNT(*) FROM findings WHERE state = 'dismissed') AS dismissed`)
      .get() as { scan: number | null; dismissed: number };
    return `${r.scan ?? 0}:${r.dismissed}`;
  }

  scansOfVersion(versionId: number): ScanRow[] {
    return (this.db.prepare(`${scanSelect} WHERE s.version_id = ? ORDER BY s.scan_time, s.id`).all(versionId) as Record<string, unknown>[]).map(toScan);
  }

  /**
   * The findings a scan saw, with whether they were suppressed in that scan: only what a verdict
   * weighs. A version's verdict reads every finding of its scans, and whole rows cost six times as
   * much (10 s of CPU against 1.6 s for a scan of 200k findings).
   */
  findingsOfScan(scanId: number): ScanFinding[] {
    const rows = this.db
      .prepare(`SELECT f.id, f.severity, f.state, f.rule_id, f.path, f.message, sf.suppressed FROM scan_findings sf
        JOIN findings f ON f.id = sf.finding_id WHERE sf.scan_id = ?`)
      .all(scanId) as { id: string; severity: string; state: FindingState; rule_id: string; path: string | null; message: string; suppressed: number }[];
    return rows.map((r) => ({ id: r.id, severity: r.severity, state: r.state, ruleId: r.rule_id, path: r.path ?? undefined, message: r.message, suppressedInScan: r.suppressed === 1 }));
  }
}
