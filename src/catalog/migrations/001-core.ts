/**
 * The core index: source applications and their versions (commit <-> image digests), the
 * deployment timeline, SAST scans and findings, restore points with their provenance, and the
 * audit trail. Times are ISO-8601 UTC strings so they sort as text.
 */
import type { Migration } from './types.js';

export const core: Migration = {
  id: 1,
  name: 'core',
  up(db) {
    db.exec(`
      CREATE TABLE applications (
        id          INTEGER PRIMARY KEY,
        repository  TEXT NOT NULL UNIQUE,
        created_at  TEXT NOT NULL
      );

      -- A version is one commit; image digests built from it hang off version_images. A version may
      -- be known before its repository is (a deploy record that names only a commit).
      CREATE TABLE versions (
        id              INTEGER PRIMARY KEY,
        application_id  INTEGER REFERENCES applications(id),
        commit_sha      TEXT NOT NULL UNIQUE,
        created_at      TEXT NOT NULL
      );
      CREATE TABLE version_images (
        version_id    INTEGER NOT NULL REFERENCES versions(id),
        image_digest  TEXT NOT NULL UNIQUE,
        PRIMARY KEY (version_id, image_digest)
      );

      -- Which version ran on which workload from when to when; ended_at NULL = still running.
      CREATE TABLE deployments (
        id            INTEGER PRIMARY KEY,
        workload      TEXT NOT NULL,
        version_id    INTEGER NOT NULL REFERENCES versions(id),
        image_digest  TEXT,
        started_at    TEXT NOT NULL,
        ended_at      TEXT,
        recorded_at   TEXT NOT NULL,
        UNIQUE (workload, started_at)
      );
      CREATE INDEX deployments_by_version ON deployments(version_id);
      CREATE TABLE workload_volumes (
        workload  TEXT NOT NULL,
        volume    TEXT NOT NULL,
        PRIMARY KEY (workload, volume)
      );

      -- One row per SARIF run. status: complete (ran, results present), failed
      -- (executionSuccessful false), unknown (results absent): only complete scans drive lifecycle.
      CREATE TABLE scans (
        id               INTEGER PRIMARY KEY,
        report_sha256    TEXT NOT NULL,
        run_index        INTEGER NOT NULL,
        application_id   INTEGER NOT NULL REFERENCES applications(id),
        version_id       INTEGER NOT NULL REFERENCES versions(id),
        ref              TEXT NOT NULL,
        tool             TEXT NOT NULL,
        tool_version     TEXT,
        category         TEXT NOT NULL,
        scan_time        TEXT NOT NULL,
        ingested_at      TEXT NOT NULL,
        status           TEXT NOT NULL CHECK (status IN ('complete', 'failed', 'unknown')),
        result_count     INTEGER NOT NULL,
        warnings         TEXT NOT NULL DEFAULT '[]',
        UNIQUE (report_sha256, run_index, version_id, ref, category)
      );
      CREATE INDEX scans_by_stream ON scans(application_id, ref, tool, category, scan_time);
      CREATE INDEX scans_by_version ON scans(version_id);

      -- A finding is one problem followed across scans of a stream (application, ref, tool,
      -- category) by its identity, which never contains a line number.
      CREATE TABLE findings (
        id                 TEXT PRIMARY KEY,
        application_id     INTEGER NOT NULL REFERENCES applications(id),
        ref                TEXT NOT NULL,
        tool               TEXT NOT NULL,
        category           TEXT NOT NULL,
        identity           TEXT NOT NULL,
        rule_id            TEXT NOT NULL,
        path               TEXT,
        start_line         INTEGER,
        severity           TEXT NOT NULL,
        cwes               TEXT NOT NULL DEFAULT '[]',
        message            TEXT NOT NULL,
        state              TEXT NOT NULL CHECK (state IN ('open', 'fixed', 'dismissed', 'suppressed')),
        first_seen_scan_id INTEGER NOT NULL REFERENCES scans(id),
        first_seen_commit  TEXT NOT NULL,
        first_seen_at      TEXT NOT NULL,
        last_seen_scan_id  INTEGER NOT NULL REFERENCES scans(id),
        last_seen_commit   TEXT NOT NULL,
        last_seen_at       TEXT NOT NULL,
        fixed_commit       TEXT,
        fixed_at           TEXT,
        dismissed_reason   TEXT,
        dismissed_comment  TEXT,
        dismissed_at       TEXT,
        UNIQUE (application_id, ref, tool, category, identity)
      );
      CREATE INDEX findings_by_state ON findings(state, severity);
      -- Which findings each scan saw: a version's verdict reads these, not the lifecycle state,
      -- because a finding fixed later is still present in the old version.
      CREATE TABLE scan_findings (
        scan_id     INTEGER NOT NULL REFERENCES scans(id),
        finding_id  TEXT NOT NULL REFERENCES findings(id),
        start_line  INTEGER,
        suppressed  INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (scan_id, finding_id)
      );
      CREATE INDEX scan_findings_by_finding ON scan_findings(finding_id);

      -- Restore points: an index of the repository's snapshots, rebuilt from their manifests.
      CREATE TABLE restore_points (
        snapshot_id  TEXT PRIMARY KEY,
        repository   TEXT NOT NULL,
        volume       TEXT NOT NULL,
        time         TEXT NOT NULL,
        tags         TEXT NOT NULL DEFAULT '[]',
        provenance   TEXT NOT NULL,
        recorded_at  TEXT NOT NULL
      );
      CREATE INDEX restore_points_by_volume ON restore_points(volume, time);

      CREATE TABLE audit_events (
        id       INTEGER PRIMARY KEY,
        time     TEXT NOT NULL,
        actor    TEXT NOT NULL,
        action   TEXT NOT NULL,
        object   TEXT NOT NULL,
        details  TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_by_object ON audit_events(object, time);
    `);
  },
};
