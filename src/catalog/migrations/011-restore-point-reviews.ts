/**
 * A person's review of a restore point judged suspicious: "checked, it is a false positive"
 * (a planned re-encryption, a bulk conversion). Apart from the judgement, which is a fact of the
 * snapshot as it was written and stays as it was; one row per reviewed snapshot, its latest word.
 */
import type { Migration } from './types.js';

export const restorePointReviews: Migration = {
  id: 11,
  name: 'restore-point-reviews',
  up(db) {
    db.exec(`
      CREATE TABLE restore_point_reviews (
        snapshot_id TEXT PRIMARY KEY,
        decision TEXT NOT NULL CHECK (decision = 'cleared'),
        actor TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
      );
    `);
  },
};
