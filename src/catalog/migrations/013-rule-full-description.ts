/**
 * A rule's full description (SARIF reportingDescriptor.fullDescription §3.49.10) beside its name,
 * short description and help (migration 005): what a reviewer reads to judge a finding of it.
 * NULL for rules not described by a report since this migration, or whose scanner gave none.
 */
import type { Migration } from './types.js';

export const ruleFullDescription: Migration = {
  id: 13,
  name: 'rule-full-description',
  up(db) {
    db.exec(`
      ALTER TABLE sast_rules ADD COLUMN full_description TEXT;
    `);
  },
};
