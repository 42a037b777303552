/**
 * Incident runs (src/playbook): one row per run of a playbook against a volume, and one row per
 * step of it — the journal that `holdfast incident resume` continues from after a crash. A step is
 * `started` before its side effect and `completed` with its outputs after it, so a step found
 * `started` was interrupted and is re-run (each step is idempotent); a `completed` one never runs again.
 */
import type { Migration } from './types.js';

export const incidents: Migration = {
  id: 3,
  name: 'incidents',
  up(db) {
    db.exec(`
      CREATE TABLE incidents (
        id           TEXT PRIMARY KEY,
        playbook     TEXT NOT NULL,
        volume       TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('proposed', 'running', 'failed', 'succeeded', 'aborted')),
        config_file  TEXT NOT NULL,
        -- What the run was asked to do (target, options), as JSON: resume reads it back.
        params       TEXT NOT NULL DEFAULT '{}',
        -- The process running it now; a 'running' row whose process is gone was interrupted.
        runner_pid   INTEGER,
        message      TEXT,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        finished_at  TEXT
      );
      -- One active run per volume: two playbooks restoring the same directory would destroy each
      -- other's work. A failed run stays active until it is resumed or aborted.
      CREATE UNIQUE INDEX incidents_one_active_per_volume ON incidents(volume) WHERE status IN ('running', 'failed');

      CREATE TABLE incident_steps (
        incident_id   TEXT NOT NULL REFERENCES incidents(id),
        step          TEXT NOT NULL,
        seq           INTEGER NOT NULL,
        uses          TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('pending', 'started', 'completed', 'failed', 'undone', 'undo-failed')),
        attempts      INTEGER NOT NULL DEFAULT 0,
        started_at    TEXT,
        completed_at  TEXT,
        outputs       TEXT NOT NULL DEFAULT '{}',
        -- What an attempt recorded before its side effect (e.g. the certificate it replaces), so a re-run can tell what it already did.
        progress      TEXT NOT NULL DEFAULT '{}',
        error         TEXT,
        PRIMARY KEY (incident_id, step)
      );
    `);
  },
};
