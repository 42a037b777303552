/**
 * `holdfast catalog rebuild`: a catalog from a backup repository alone. Restore points come from
 * the snapshots' manifests; everything else from the repository's catalog records, replayed in the
 * order they were made (time, then catalog, then sequence) on a clock set to each record's time,
 * so the rebuilt catalog decides exactly as the lost one did.
 *
 * What cannot be rebuilt is said, never guessed: a damaged record or snapshot is named, a record
 * of a newer format or kind is skipped and named, and a version that restore points or deployments
 * name but no report judged keeps its verdict unknown. The catalog is written to a temporary file
 * and renamed over the target at the end: a failure (a wrong password, a lost connection) leaves
 * the target as it was. Incident reports are written to `incidents/<id>/` beside the catalog (where
 * serve keeps them) when none is there.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ZodError } from 'zod';
import { conflict, isHoldfastError } from '../base/errors.js';
import { readCatalogRecords, type Repository, type StoredCatalogObject } from '../backup/index.js';
import { Catalog, CATALOG_RECORD_FORMAT, catalogRecordKinds, type CatalogRecordKind } from '../catalog/index.js';
import { appliers } from './apply.js';
import { restorePointsIn } from './points.js';

export interface RebuildSummary {
  catalog: string;
  repository: string;
  restorePoints: number;
  /** Records read from the repository, and how many of each kind were put back. */
  records: { read: number; rebuilt: Partial<Record<CatalogRecordKind, number>> };
  /** What the repository should hold but does not, or holds damaged: one line each. */
  missing: string[];
  /** Records read but not put back (newer format, unknown kind, refused by the catalog): one line each. */
  skipped: string[];
  /** True when nothing is missing or skipped. */
  complete: boolean;
}

export interface RebuildOptions {
  catalogPath: string;
  /** Replace a catalog that already holds records. */
  force?: boolean;
  log?: (line: string) => void;
  now?: () => Date;
}

const tables = ['restore_points', 'versions', 'deployments', 'scans', 'incidents', 'verifications', 'certificate_events'];

/** How many rows of what a rebuild writes the catalog at `path` holds; 0 when absent or empty. */
function rowsIn(path: string): number {
  if (!existsSync(path) || statSync(path).size === 0) return 0;
  let c: Catalog;
  try {
    c = Catalog.open(path, { readonly: true });
  } catch (e) {
    if (isHoldfastError(e, 'CATALOG_NOT_A_DATABASE')) return 1;
    throw e;
  }
  try {
    const have = new Set((c.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    return tables.filter((t) => have.has(t)).reduce((n, t) => n + (c.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n, 0);
  } finally {
    c.close();
  }
}

const removeDb = (path: string) => {
  for (const p of [path, `${path}-wal`, `${path}-shm`]) rmSync(p, { force: true });
};

/** Oldest first: the order the changes were made in, whichever catalog made them. */
export function replayOrder(a: StoredCatalogObject, b: StoredCatalogObject): number {
  return a.record.time.localeCompare(b.record.time) || a.record.origin.localeCompare(b.record.origin) || a.record.seq - b.record.seq;
}

export async function rebuildCatalog(repo: Repository, o: RebuildOptions): Promise<RebuildSummary> {
  const log = o.log ?? (() => undefined);
  const target = o.catalogPath;
  const held = rowsIn(target);
  if (held > 0 && !o.force)
    throw conflict('CATALOG_NOT_EMPTY', `rebuild catalog ${target}: it already holds ${held} row(s) of restore points, versions, scans, deployments or incidents; nothing was written (give --force to replace it, or another --catalog)`);

  log(`reading catalog records from ${repo.store.location}`);
  let shown = 0;
  const { records, damaged } = await readCatalogRecords(repo, (done, total) => {
    if (done === total || done - shown >= 100) {
      shown = done;
      log(`read ${done}/${total} catalog record(s)`);
    }
  });
  const found = await restorePointsIn(repo);
  log(`read ${found.read} snapshot(s)`);

  const missing = [...damaged.map((d) => `${d.name}: ${d.reason}`), ...found.damaged];
  const skipped: string[] = [];
  const rebuilt: RebuildSummary['records']['rebuilt'] = {};

  const temp = `${target}.rebuild-${process.pid}`;
  removeDb(temp);
  let at = new Date(0);
  const catalog = Catalog.open(temp, { now: () => at });
  try {
    for (const s of [...records].sort(replayOrder)) {
      const r = s.record;
      if (r.format > CATALOG_RECORD_FORMAT) {
        skipped.push(`${s.name}: ${r.kind} record of format ${r.format}, newer than this Holdfast reads (${CATALOG_RECORD_FORMAT}); upgrade Holdfast to rebuild it`);
        continue;
      }
      if (!(catalogRecordKinds as readonly string[]).includes(r.kind)) {
        skipped.push(`${s.name}: unknown kind of record "${r.kind}"`);
        continue;
      }
      const kind = r.kind as CatalogRecordKind;
      at = new Date(r.time);
      try {
        catalog.records.replay(() => appliers[kind](catalog, r.body, { now: () => at, incidentsDir: join(dirname(target), 'incidents') }));
        rebuilt[kind] = (rebuilt[kind] ?? 0) + 1;
      } catch (e) {
        skipped.push(`${s.name}: ${kind} record of ${r.time} not rebuilt: ${whyNot(e)}`);
      }
    }
    at = o.now?.() ?? new Date();
    let points = 0;
    catalog.transaction(() => {
      // The suspicion judged when the snapshot was written comes back with it: a rebuilt catalog
      // must skip a suspicious point exactly as the lost one did.
      for (const p of found.points) {
        catalog.restorePoints.record({ ...p, repository: repo.store.location, time: new Date(p.time) });
        points++;
      }
    });
    log(`rebuilt ${points} restore point(s) and ${Object.values(rebuilt).reduce((a, b) => a + b, 0)} of ${records.length} record(s)`);
    missing.push(...unjudged(catalog));
    catalog.audit.append({ actor: 'cli', action: 'catalog.rebuild', object: `repository:${repo.config.id}`, details: { location: repo.store.location, restorePoints: points, records: rebuilt, missing: missing.length, skipped: skipped.length } });
    catalog.close();
    removeDb(target);
    renameSync(temp, target);
    for (const m of missing) log(`missing: ${m}`);
    for (const m of skipped) log(`skipped: ${m}`);
    return { catalog: target, repository: repo.store.location, restorePoints: points, records: { read: records.length, rebuilt }, missing, skipped, complete: missing.length === 0 && skipped.length === 0 };
  } finally {
    catalog.close();
    removeDb(temp);
  }
}

/** One line: a body that does not fit its kind names the field, anything else its message. */
function whyNot(e: unknown): string {
  if (e instanceof ZodError) return e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
  return e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
}

/**
 * Versions that restore points or deployments name but no scan judges: their verdict is unknown
 * after the rebuild. Said, because the lost catalog may have known more (a report whose record
 * is missing) — or not; either way the choice will refuse rather than guess.
 */
function unjudged(catalog: Catalog): string[] {
  const named = new Map<string, string>();
  for (const p of catalog.restorePoints.list())
    for (const w of p.provenance.workloads) {
      const key = w.commit ?? w.imageDigest;
      if (key && !named.has(key)) named.set(key, `restore point ${p.snapshotId.slice(0, 12)} (${w.workload})`);
    }
  for (const d of catalog.deployments.timeline()) if (!named.has(d.commit)) named.set(d.commit, `deployment of ${d.workload} at ${d.startedAt}`);
  const out: string[] = [];
  for (const [key, where] of named) {
    const v = key.startsWith('sha256:') ? catalog.versions.findByDigest(key) : catalog.versions.findByCommit(key);
    if (!v || catalog.sast.scansOfVersion(v.id).length === 0) out.push(`version ${key.slice(0, 19)} (${where}): no SAST report in the repository; its verdict stays unknown`);
  }
  return out;
}
