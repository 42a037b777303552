/**
 * A restore point's ransomware signals: what its backup measured (JSON of policy/change-signals.ts's
 * ChangeSignals) and the judgement stored with the snapshot ({verdict, reasons}). NULL for points
 * recorded before signals existed, or from snapshots that carry none: unknown, never "normal".
 */
import type { Migration } from './types.js';

export const changeSignals: Migration = {
  id: 7,
  name: 'change-signals',
  up(db) {
    db.exec(`
      ALTER TABLE restore_points ADD COLUMN signals TEXT;
      ALTER TABLE restore_points ADD COLUMN suspicion TEXT;
    `);
  },
};
