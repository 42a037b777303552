/**
 * What matching a scan's unfound results against the stream's previous findings needs of each
 * finding (sast/match.ts): its identity key without the path and a digest of what is around it,
 * packed by sast/match.ts (the catalog only stores it). NULL for findings with a real fingerprint,
 * and for findings not seen since this migration: those are found by identity only, as before.
 */
import type { Migration } from './types.js';

export const findingMatch: Migration = {
  id: 10,
  name: 'finding-match',
  up(db) {
    db.exec(`
      ALTER TABLE findings ADD COLUMN match TEXT;
    `);
  },
};
