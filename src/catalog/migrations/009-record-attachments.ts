/**
 * Bytes a catalog record carries beside its JSON body (a SAST report's gzip), in a BLOB rather
 * than base64 inside the JSON: recording a 70 MiB report no longer makes its base64 and a JSON
 * string around it while the report's findings are being written (catalog/records.ts). The
 * record a repository is given is unchanged: the bytes are put back into the body, base64, under
 * `attachment_field`, when the record is pushed.
 */
import type { Migration } from './types.js';

export const recordAttachments: Migration = {
  id: 9,
  name: 'record-attachments',
  up(db) {
    db.exec(`
      ALTER TABLE catalog_records ADD COLUMN attachment_field TEXT;
      ALTER TABLE catalog_records ADD COLUMN attachment BLOB;
    `);
  },
};
