/**
 * scan_findings, the rows a version's verdict reads, written once per result of every scan (200k
 * for a large report), cost three B-trees per row: the table, its primary key and an index by
 * finding. No query reads it by finding alone (findingsOfCommit's planner used that index only to
 * walk the whole table in order for its DISTINCT), and a finding is never deleted, so the foreign
 * key needs no index either. Keyed by its primary key WITHOUT ROWID, it is one B-tree: the SQLite
 * part of writing a scan's occurrences fell by about 40 % (bench/README.md, fifth session).
 */
import type { Migration } from './types.js';

export const scanFindingsWithoutRowid: Migration = {
  id: 14,
  name: 'scan-findings-without-rowid',
  up(db) {
    db.exec(`
      CREATE TABLE scan_findings_keyed (
        scan_id     INTEGER NOT NULL REFERENCES scans(id),
        finding_id  TEXT NOT NULL REFERENCES findings(id),
        start_line  INTEGER,
        suppressed  INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (scan_id, finding_id)
      ) WITHOUT ROWID;
      INSERT INTO scan_findings_keyed (scan_id, finding_id, start_line, suppressed) SELECT scan_id, finding_id, start_line, suppressed FROM scan_findings;
      DROP TABLE scan_findings;
      ALTER TABLE scan_findings_keyed RENAME TO scan_findings;
    `);
  },
};
