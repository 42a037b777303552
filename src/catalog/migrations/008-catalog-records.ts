/**
 * The outbox of catalog records (catalog/records.ts): each change the catalog could not rebuild
 * from snapshot manifests alone (a SAST report ingested, a deploy, a dismissal, a verified restore,
 * a certificate event, an incident's journal) is appended here in the same transaction as the
 * change, and copied to every backup repository the catalog's runs write to. `origin` names this
 * catalog, so a rebuild can order records from several catalogs; `catalog_record_exports` is how
 * far each repository (by its config id) has been given the records.
 *
 * Numbered 008: 006 and 007 are reserved for work landing beside this one.
 */
import type { Migration } from './types.js';

export const catalogRecords: Migration = {
  id: 8,
  name: 'catalog-records',
  up(db) {
    db.exec(`
      CREATE TABLE catalog_origin (
        id  TEXT NOT NULL
      );
      INSERT INTO catalog_origin (id) VALUES (lower(hex(randomblob(16))));

      CREATE TABLE catalog_records (
        seq   INTEGER PRIMARY KEY,
        kind  TEXT NOT NULL,
        time  TEXT NOT NULL,
        body  TEXT NOT NULL
      );

      CREATE TABLE catalog_record_exports (
        repository_id  TEXT PRIMARY KEY,
        last_seq       INTEGER NOT NULL,
        exported_at    TEXT NOT NULL
      );
    `);
  },
};
