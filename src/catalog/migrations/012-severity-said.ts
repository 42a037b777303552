/**
 * What each source said of a finding's severity (a CVSS score, the tool's own label or tag, the
 * SARIF level), kept beside the decided severity: packed and read by sast/severity-said.ts, the
 * catalog only stores it. NULL for findings not seen since this migration: "not recorded".
 */
import type { Migration } from './types.js';

export const severitySaid: Migration = {
  id: 12,
  name: 'severity-said',
  up(db) {
    db.exec(`
      ALTER TABLE findings ADD COLUMN severity_said TEXT;
    `);
  },
};
