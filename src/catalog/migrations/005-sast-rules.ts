/**
 * What a reviewer reads beside a finding: its rule's name, short description, help and link, as
 * the scanner described them (SARIF reportingDescriptor §3.49). One row per tool and rule id;
 * the newest report's description replaces an older one.
 */
import type { Migration } from './types.js';

export const sastRules: Migration = {
  id: 5,
  name: 'sast-rules',
  up(db) {
    db.exec(`
      CREATE TABLE sast_rules (
        tool               TEXT NOT NULL,
        rule_id            TEXT NOT NULL,
        name               TEXT,
        short_description  TEXT,
        help_text          TEXT,
        help_markdown      TEXT,
        help_uri           TEXT,
        updated_at         TEXT NOT NULL,
        PRIMARY KEY (tool, rule_id)
      );
    `);
  },
};
