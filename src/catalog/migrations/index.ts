/**
 * Every catalog migration, in order. To add one: create `NNN-<name>.ts` beside this file exporting
 * a `Migration` with `id: NNN`, and append it to the list below. Never edit or renumber a
 * migration that has been committed: catalogs in the field have already applied it.
 */
import type { Migration } from './types.js';
import { core } from './001-core.js';
import { controlPlane } from './002-control-plane.js';
import { incidents } from './003-incidents.js';
import { pruneRuns } from './004-prune-runs.js';
import { sastRules } from './005-sast-rules.js';
import { changeSignals } from './007-change-signals.js';
import { catalogRecords } from './008-catalog-records.js';
import { recordAttachments } from './009-record-attachments.js';
import { findingMatch } from './010-finding-match.js';
import { restorePointReviews } from './011-restore-point-reviews.js';
import { severitySaid } from './012-severity-said.js';
import { ruleFullDescription } from './013-rule-full-description.js';
import { scanFindingsWithoutRowid } from './014-scan-findings-without-rowid.js';

export type { Migration } from './types.js';

export const migrations: readonly Migration[] = [
  core,
  controlPlane,
  incidents,
  pruneRuns,
  sastRules,
  changeSignals,
  catalogRecords,
  recordAttachments,
  findingMatch,
  restorePointReviews,
  severitySaid,
  ruleFullDescription,
  scanFindingsWithoutRowid,
];

/** Numbers given to migrations being written beside others (checkMigrationList): remove one when it lands. */
export const reservedMigrationIds: readonly number[] = [6];
