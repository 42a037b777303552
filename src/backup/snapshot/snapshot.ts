/**
 * Snapshots: the root of one backup. A snapshot names the root tree, its parent (for incremental
 * backups), tags, and the provenance record that SAST-aware restore reads. Saved last, after every
 * pack and index segment it needs: a snapshot that exists is complete.
 */
import { z } from 'zod';
import { corrupt, invalidInput, isHoldfastError, notFound } from '../../base/errors.js';
import { isDamage, type Repository } from '../repository/repository.js';
import { nameId } from '../repository/format.js';
import { provenanceSchema } from './provenance.js';
import { xattrSchema } from '../xattrs/format.js';
import { carriedSignalsSchema, changeSignalsSchema, suspicionSchema } from './signals.js';

export const snapshotSchema = z.object({
  version: z.literal(1),
  time: z.string(),
  host: z.string(),
  paths: z.array(z.string()),
  tree: z.string(),
  /** The backed-up directory's own metadata, so a full restore gives the target the same mode and owner. */
  root: z.object({ mode: z.number().int(), uid: z.number().int(), gid: z.number().int(), mtimeNs: z.string().regex(/^\d+$/), xattrs: z.array(xattrSchema).optional() }).optional(),
  parent: z.string().optional(),
  /** Set by `repair snapshots`: the id of the damaged snapshot this one salvages. */
  original: z.string().optional(),
  tags: z.array(z.string()),
  provenance: provenanceSchema,
  summary: z.object({
    startedAt: z.string(),
    finishedAt: z.string(),
    files: z.number(),
    dirs: z.number(),
    filesUnchanged: z.number(),
    bytes: z.number(),
    bytesRead: z.number(),
    bytesAdded: z.number(),
    blobsNew: z.number(),
    packsWritten: z.number(),
    skipped: z.array(z.string()),
  }),
  /** What changed against the parent and what the new data looked like (archiver/signals.ts). */
  signals: changeSignalsSchema.optional(),
  /** Those signals judged against the volume's earlier backups when this one was written. */
  suspicion: suspicionSchema.optional(),
  /**
   * The earlier backups' signals that judgement used, oldest first: carried from parent to child,
   * so the volume's history outlives the snapshots that retention forgets.
   */
  signalHistory: z.array(carriedSignalsSchema).optional(),
});
export type Snapshot = z.infer<typeof snapshotSchema>;
export type SnapshotSummary = Snapshot['summary'];

export interface SnapshotRef {
  id: string;
  snapshot: Snapshot;
}

/**
 * Every snapshot that can be read, oldest first. One that cannot be decrypted or parsed is skipped
 * and recorded in `repo.damaged` (check reports it, `repair snapshots --forget` removes it): one
 * flipped bit must not hide every other snapshot, nor stop the next backup.
 */
export async function listSnapshots(repo: Repository): Promise<SnapshotRef[]> {
  const names: string[] = [];
  for await (const b of repo.store.list('snapshots/')) names.push(b.name);
  const read = await Promise.all(
    names.map(async (n): Promise<SnapshotRef | undefined> => {
      try {
        return { id: nameId(n), snapshot: await repo.loadJson(n, snapshotSchema) };
      } catch (e) {
        // Forgotten between list and get: it is simply gone.
        if (isHoldfastError(e, 'BLOB_NOT_FOUND')) return undefined;
        if (!isDamage(e)) throw e;
        repo.noteDamage('snapshot', n, e);
        return undefined;
      }
    }),
  );
  return read.filter((s): s is SnapshotRef => s !== undefined).sort((a, b) => a.snapshot.time.localeCompare(b.snapshot.time));
}

/** Resolves "latest", a full id or a unique prefix of at least 4 characters. */
export async function findSnapshot(repo: Repository, ref: string, all?: SnapshotRef[]): Promise<SnapshotRef> {
  const snaps = all ?? (await listSnapshots(repo));
  if (ref === 'latest') {
    const s = snaps.at(-1);
    if (!s) throw notFound('SNAPSHOT_NOT_FOUND', `find snapshot latest: the repository has no snapshots`);
    return s;
  }
  if (ref.length < 4) throw invalidInput('SNAPSHOT_REF', `find snapshot ${ref}: give at least 4 characters of the id`);
  const m = snaps.filter((s) => s.id.startsWith(ref));
  if (m.length === 0) {
    const damaged = repo.damaged.find((d) => d.kind === 'snapshot' && nameId(d.name).startsWith(ref));
    if (damaged) throw corrupt('SNAPSHOT_DAMAGED', `find snapshot ${ref}: ${damaged.reason}; it cannot be restored ('holdfast repair snapshots --forget' removes it)`);
    throw notFound('SNAPSHOT_NOT_FOUND', `find snapshot ${ref}: no such snapshot`);
  }
  if (m.length > 1) throw invalidInput('SNAPSHOT_AMBIGUOUS', `find snapshot ${ref}: prefix matches ${m.length} snapshots`);
  return m[0]!;
}

export async function saveSnapshot(repo: Repository, snap: Snapshot): Promise<string> {
  return nameId(await repo.saveJson('snapshots', snap));
}
