/**
 * Findings read a page at a time: the filtered count, one page of ids in the dashboard's order
 * (most severe first, then the oldest, so the closest to its SLA), and the per-rule counts — all
 * in SQL. Reading every finding to show fifty took most of a minute at 200k findings (the rows,
 * not the sort, cost: ~17 s for the 200k rows alone on a loaded 2-core machine; a page is ~0.2 s).
 *
 * A filter narrows by state, severity, tool and rule, and optionally to a set of ids (the findings
 * a version's scans saw, or those of the versions a workload runs), passed as one JSON array.
 */
import type Database from 'better-sqlite3';

export interface FindingPageFilter {
  states?: readonly string[] | undefined;
  severities?: readonly string[] | undefined;
  tool?: string | undefined;
  rule?: string | undefined;
  /** Only these ids (undefined: no such limit; empty: none). */
  ids?: readonly string[] | undefined;
}

/** Per tool, rule and severity: how many, and the message of the oldest (the one the list shows first). */
export interface RuleSeverityCount {
  tool: string;
  ruleId: string;
  severity: string;
  count: number;
  example: string;
  cwes: string[];
}

// The severity order of the dashboard (views/health.ts rank): critical first, unknown ones last.
const severityRank = "CASE f.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 WHEN 'info' THEN 0 ELSE -1 END";

export class FindingPages {
  constructor(private readonly db: Database.Database) {}

  private where(f: FindingPageFilter): { sql: string; args: unknown[] } {
    const where: string[] = [];
    const args: unknown[] = [];
    const inList = (col: string, values: readonly string[] | undefined) => {
      if (!values) return;
      where.push(`${col} IN (${values.map(() => '?').join(',') || 'NULL'})`);
      args.push(...values);
    };
    inList('f.state', f.states);
    inList('f.severity', f.severities);
    if (f.tool) {
      where.push('f.tool = ?');
      args.push(f.tool);
    }
    if (f.rule) {
      where.push('f.rule_id = ?');
      args.push(f.rule);
    }
    if (f.ids) {
      where.push('f.id IN (SELECT value FROM json_each(?))');
      args.push(JSON.stringify(f.ids));
    }
    return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
  }

  count(f: FindingPageFilter): number {
    const w = this.where(f);
    return (this.db.prepare(`SELECT count(*) AS n FROM findings f ${w.sql}`).get(...w.args) as { n: number }).n;
  }

  /** One page of ids, most severe first, then the oldest; ties as the catalog lists them (repository, path, line, id). */
  pageIds(f: FindingPageFilter, offset: number, limit: number): string[] {
    const w = this.where(f);
    const sql = `SELECT f.id FROM findings f JOIN applications a ON a.id = f.application_id ${w.sql}
      ORDER BY ${severityRank} DESC, f.first_seen_at, a.repository, f.path, f.start_line, f.id LIMIT ? OFFSET ?`;
    return (this.db.prepare(sql).all(...w.args, limit, offset) as { id: string }[]).map((r) => r.id);
  }

  /** Counts per tool, rule and severity, with each group's first message in the page's order and the CWEs its findings carry. */
  ruleCounts(f: FindingPageFilter): RuleSeverityCount[] {
    const w = this.where(f);
    const rows = this.db
      .prepare(
        `SELECT tool, rule_id, severity, count(*) AS n, max(CASE WHEN rn = 1 THEN message END) AS message, json_group_array(DISTINCT cwes) AS cwes FROM (
           SELECT f.tool, f.rule_id, f.severity, f.message, f.cwes,
             row_number() OVER (PARTITION BY f.tool, f.rule_id, f.severity ORDER BY f.first_seen_at, a.repository, f.path, f.start_line, f.id) AS rn
           FROM findings f JOIN applications a ON a.id = f.application_id ${w.sql})
         GROUP BY tool, rule_id, severity`,
      )
      .all(...w.args) as { tool: string; rule_id: string; severity: string; n: number; message: string; cwes: string }[];
    return rows.map((r) => ({
      tool: r.tool,
      ruleId: r.rule_id,
      severity: r.severity,
      count: r.n,
      example: r.message,
      cwes: [...new Set((JSON.parse(r.cwes) as string[]).flatMap((c) => JSON.parse(c) as string[]))],
    }));
  }

  /**
   * Open findings per severity, and how many of them were first seen before their severity's
   * cutoff (`overdueBefore`, ISO text as stored; a severity without one is never overdue): the
   * overview's and the metrics' numbers without reading a finding.
   */
  openBySeverity(overdueBefore: Readonly<Record<string, string>>): { severity: string; open: number; overdue: number }[] {
    return this.db
      .prepare(
        `SELECT f.severity, count(*) AS open, coalesce(sum(f.first_seen_at < c.value), 0) AS overdue
         FROM findings f LEFT JOIN json_each(?) c ON c.key = f.severity
         WHERE f.state = 'open' GROUP BY f.severity`,
      )
      .all(JSON.stringify(overdueBefore)) as { severity: string; open: number; overdue: number }[];
  }

  /** Every tool that filed a finding, for the filter's choices. */
  tools(): string[] {
    return (this.db.prepare('SELECT DISTINCT tool FROM findings ORDER BY tool').all() as { tool: string }[]).map((r) => r.tool);
  }

  /** Tool and rule of the findings among `ids` that pass the filter (the few the running versions carry: where each rule is deployed). */
  rulesOf(f: FindingPageFilter, ids: readonly string[]): { id: string; tool: string; ruleId: string }[] {
    if (ids.length === 0) return [];
    const w = this.where(f);
    const sql = `SELECT f.id, f.tool, f.rule_id FROM findings f ${w.sql ? `${w.sql} AND` : 'WHERE'} f.id IN (SELECT value FROM json_each(?))`;
    return (this.db.prepare(sql).all(...w.args, JSON.stringify(ids)) as { id: string; tool: string; rule_id: string }[]).map((r) => ({ id: r.id, tool: r.tool, ruleId: r.rule_id }));
  }
}
