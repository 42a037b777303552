/**
 * Read-only questions about a finding's past, from the rows SAST ingestion writes (scans,
 * scan_findings): which scans of its stream saw it and which did not, and which findings a
 * version's scans saw. The lifecycle columns of `findings` hold only the latest state; the
 * per-scan rows are what show a fix and a reopening as they happened.
 */
import type Database from 'better-sqlite3';

export interface Sighting {
  scanId: number;
  scanTime: string;
  status: string;
  commit: string;
  toolVersion: string | undefined;
  /** This scan reported the finding (suppressed or not). */
  seen: boolean;
  suppressed: boolean;
}

export class FindingHistory {
  constructor(private readonly db: Database.Database) {}

  /** Every scan of the finding's stream (application, ref, tool, category), oldest first. */
  sightings(findingId: string): Sighting[] {
    const rows = this.db
      .prepare(
        `SELECT s.id, s.scan_time, s.status, s.tool_version, v.commit_sha, sf.finding_id AS hit, sf.suppressed
         FROM findings f
         JOIN scans s ON s.application_id = f.application_id AND s.ref = f.ref AND s.tool = f.tool AND s.category = f.category
         JOIN versions v ON v.id = s.version_id
         LEFT JOIN scan_findings sf ON sf.scan_id = s.id AND sf.finding_id = f.id
         WHERE f.id = ? ORDER BY s.scan_time, s.id`,
      )
      .all(findingId) as { id: number; scan_time: string; status: string; tool_version: string | null; commit_sha: string; hit: string | null; suppressed: number | null }[];
    return rows.map((r) => ({
      scanId: r.id,
      scanTime: r.scan_time,
      status: r.status,
      commit: r.commit_sha,
      toolVersion: r.tool_version ?? undefined,
      seen: r.hit !== null,
      suppressed: r.suppressed === 1,
    }));
  }

  /** The ids of the findings a scan of this commit (or commit prefix) saw and did not suppress: what the version carries. */
  findingsOfCommit(commit: string): Set<string> {
    const rows = this.db
      // The commit's scans first, then their rows by primary key: joined the other way, SQLite walks every scan's rows.
      .prepare(
        'SELECT DISTINCT sf.finding_id AS id FROM scan_findings sf WHERE sf.scan_id IN (SELECT s.id FROM scans s JOIN versions v ON v.id = s.version_id WHERE v.commit_sha LIKE ?) AND sf.suppressed = 0',
      )
      .all(`${commit.toLowerCase().replace(/[^0-9a-f]/g, '')}%`) as { id: string }[];
    return new Set(rows.map((r) => r.id));
  }

  /** When each finding opened and closed, and nothing else: what a chart over time needs, cheap at 200k findings. */
  lifetimes(): { severity: string; firstSeenAt: string; fixedAt: string | undefined; dismissedAt: string | undefined }[] {
    const rows = this.db.prepare('SELECT severity, first_seen_at, fixed_at, dismissed_at FROM findings').all() as { severity: string; first_seen_at: string; fixed_at: string | null; dismissed_at: string | null }[];
    return rows.map((r) => ({ severity: r.severity, firstSeenAt: r.first_seen_at, fixedAt: r.fixed_at ?? undefined, dismissedAt: r.dismissed_at ?? undefined }));
  }
}
