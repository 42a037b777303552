/**
 * The control plane's tables: scheduled runs and their logs, where the scheduler last looked (for
 * missed-run detection after downtime), verified-restore evidence, alerts sent, and certificate
 * issuance events. Times are ISO-8601 UTC strings so they sort as text.
 */
import type { Migration } from './types.js';

export const controlPlane: Migration = {
  id: 2,
  name: 'control-plane',
  up(db) {
    db.exec(`
      -- One row per run of a job: a backup of one volume by one policy, a verification, a
      -- certificate check/renewal, a review report. status 'missed' rows never started.
      CREATE TABLE runs (
        id             INTEGER PRIMARY KEY,
        kind           TEXT NOT NULL CHECK (kind IN ('backup', 'verify', 'certificate', 'report')),
        policy         TEXT NOT NULL,
        target         TEXT NOT NULL,
        repository     TEXT,
        scheduled_for  TEXT NOT NULL,
        started_at     TEXT,
        finished_at    TEXT,
        status         TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'missed')),
        reason         TEXT,
        message        TEXT,
        snapshot_id    TEXT,
        bytes          INTEGER,
        duration_ms    INTEGER,
        details        TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX runs_by_job ON runs(kind, policy, target, scheduled_for);
      CREATE INDEX runs_by_status ON runs(status);

      CREATE TABLE run_logs (
        run_id   INTEGER NOT NULL REFERENCES runs(id),
        seq      INTEGER NOT NULL,
        time     TEXT NOT NULL,
        level    TEXT NOT NULL,
        message  TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      );

      -- The last scheduled time the scheduler has accounted for, per job: on start-up every fire
      -- time after it and before now was missed while Holdfast was down.
      CREATE TABLE schedule_marks (
        job        TEXT PRIMARY KEY,
        last_fire  TEXT NOT NULL
      );

      -- Evidence of a verified restore of one restore point (the restore time is the measured RTO).
      CREATE TABLE verifications (
        id           INTEGER PRIMARY KEY,
        snapshot_id  TEXT NOT NULL,
        volume       TEXT NOT NULL,
        run_id       INTEGER REFERENCES runs(id),
        time         TEXT NOT NULL,
        result       TEXT NOT NULL CHECK (result IN ('passed', 'failed')),
        bytes        INTEGER NOT NULL DEFAULT 0,
        files        INTEGER NOT NULL DEFAULT 0,
        restore_ms   INTEGER NOT NULL DEFAULT 0,
        check_exit   INTEGER,
        message      TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX verifications_by_volume ON verifications(volume, time);
      CREATE INDEX verifications_by_snapshot ON verifications(snapshot_id);

      -- Alerts sent (or given up on) to webhooks; key de-duplicates a condition that persists.
      CREATE TABLE alerts (
        id          INTEGER PRIMARY KEY,
        time        TEXT NOT NULL,
        event       TEXT NOT NULL,
        key         TEXT NOT NULL,
        webhook     TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT,
        payload     TEXT NOT NULL
      );
      CREATE INDEX alerts_by_key ON alerts(event, key, time);

      -- Certificates the control plane issued or renewed, and what their endpoints served.
      CREATE TABLE certificate_events (
        id           INTEGER PRIMARY KEY,
        name         TEXT NOT NULL,
        time         TEXT NOT NULL,
        action       TEXT NOT NULL CHECK (action IN ('issued', 'renewed', 'probed')),
        serial       TEXT,
        fingerprint  TEXT,
        not_after    TEXT,
        message      TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX certificate_events_by_name ON certificate_events(name, time);
    `);
  },
};
