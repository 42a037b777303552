/**
 * Applications (source repositories) and their versions. A version is one commit; the image
 * digests built from it belong to it. Commits may be given short (7+ hex digits) by one source and
 * full by another, so lookups match on prefix and refuse an ambiguous prefix.
 */
import type Database from 'better-sqlite3';
import { conflict, invalidInput } from '../base/errors.js';

export interface VersionRow {
  id: number;
  repository: string | undefined;
  commit: string;
  imageDigests: string[];
}

export interface UpsertVersion {
  repository?: string | undefined;
  commit: string;
  imageDigests?: readonly string[];
}

const commitRe = /^[0-9a-f]{7,40}$/;
const digestRe = /^sha256:[0-9a-f]{64}$/;

export function checkCommit(commit: string): string {
  if (!commitRe.test(commit)) throw invalidInput('BAD_COMMIT', `commit ${JSON.stringify(commit)}: not a commit (expected 7 to 40 lowercase hex digits)`);
  return commit;
}
export function checkDigest(digest: string): string {
  if (!digestRe.test(digest)) throw invalidInput('BAD_DIGEST', `image digest ${JSON.stringify(digest)}: expected sha256:<64 hex digits>`);
  return digest;
}

export class VersionStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {}

  upsertApplication(repository: string): number {
    this.db.prepare('INSERT INTO applications (repository, created_at) VALUES (?, ?) ON CONFLICT (repository) DO NOTHING').run(repository, this.now().toISOString());
    return (this.db.prepare('SELECT id FROM applications WHERE repository = ?').get(repository) as { id: number }).id;
  }

  /** Creates or completes a version; a digest already bound to another commit is a conflict. */
  upsert(v: UpsertVersion): VersionRow {
    checkCommit(v.commit);
    const appId = v.repository ? this.upsertApplication(v.repository) : null;
    let row = this.findByCommit(v.commit);
    if (row && row.commit.length < v.commit.length && v.commit.startsWith(row.commit)) {
      // A full commit arrived for a version known by its short form: keep the precise one.
      this.db.prepare('UPDATE versions SET commit_sha = ? WHERE id = ?').run(v.commit, row.id);
    }
    if (!row) {
      const r = this.db.prepare('INSERT INTO versions (application_id, commit_sha, created_at) VALUES (?, ?, ?)').run(appId, v.commit, this.now().toISOString());
      row = { id: Number(r.lastInsertRowid), repository: v.repository, commit: v.commit, imageDigests: [] };
    } else if (appId !== null) {
      const cur = this.db.prepare('SELECT application_id FROM versions WHERE id = ?').get(row.id) as { application_id: number | null };
      if (cur.application_id === null) this.db.prepare('UPDATE versions SET application_id = ? WHERE id = ?').run(appId, row.id);
      else if (cur.application_id !== appId) {
        throw conflict('VERSION_REPOSITORY_MISMATCH', `version ${v.commit}: already recorded for repository ${row.repository}, not ${v.repository}`);
      }
    }
    for (const d of v.imageDigests ?? []) {
      checkDigest(d);
      const owner = this.db.prepare('SELECT version_id FROM version_images WHERE image_digest = ?').get(d) as { version_id: number } | undefined;
      if (owner && owner.version_id !== row.id) {
        throw conflict('DIGEST_OTHER_COMMIT', `image ${d}: already recorded as built from another commit than ${v.commit}`);
      }
      if (!owner) this.db.prepare('INSERT INTO version_images (version_id, image_digest) VALUES (?, ?)').run(row.id, d);
    }
    return this.get(row.id)!;
  }

  get(id: number): VersionRow | undefined {
    const r = this.db
      .prepare('SELECT v.id, a.repository, v.commit_sha FROM versions v LEFT JOIN applications a ON a.id = v.application_id WHERE v.id = ?')
      .get(id) as { id: number; repository: string | null; commit_sha: string } | undefined;
    if (!r) return undefined;
    const digests = (this.db.prepare('SELECT image_digest FROM version_images WHERE version_id = ? ORDER BY image_digest').all(id) as { image_digest: string }[]).map((d) => d.image_digest);
    return { id: r.id, repository: r.repository ?? undefined, commit: r.commit_sha, imageDigests: digests };
  }

  /** Exact or prefix match in either direction; an ambiguous short commit is refused. */
  findByCommit(commit: string): VersionRow | undefined {
    checkCommit(commit);
    const rows = this.db
      .prepare("SELECT id, commit_sha FROM versions WHERE commit_sha = ? OR commit_sha LIKE ? || '%' OR ? LIKE commit_sha || '%'")
      .all(commit, commit, commit) as { id: number; commit_sha: string }[];
    const exact = rows.find((r) => r.commit_sha === commit);
    if (exact) return this.get(exact.id);
    if (rows.length > 1) throw invalidInput('AMBIGUOUS_COMMIT', `commit ${commit}: matches ${rows.length} versions; give more digits`);
    return rows[0] ? this.get(rows[0].id) : undefined;
  }

  findByDigest(digest: string): VersionRow | undefined {
    checkDigest(digest);
    const r = this.db.prepare('SELECT version_id FROM version_images WHERE image_digest = ?').get(digest) as { version_id: number } | undefined;
    return r ? this.get(r.version_id) : undefined;
  }

  list(): VersionRow[] {
    return (this.db.prepare('SELECT id FROM versions ORDER BY id').all() as { id: number }[]).map((r) => this.get(r.id)!);
  }
}
