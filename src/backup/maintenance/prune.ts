/**
 * prune: frees the space of data no snapshot references, safely beside running backups, restores
 * and checks.
 *
 * Two phases, because a backup that is running now may have deduplicated against a blob that no
 * snapshot references *yet*, and a restore may be about to read a pack:
 *   1. condemn — packs with no referenced blob (older than the grace period) and the old copies of
 *      repacked packs are listed in a deletion plan (`deletions/…`). From then on, new backups do
 *      not reuse blobs in condemned packs; they store their own copies.
 *   2. delete — a plan is carried out only when no shared lock (backup, restore, check) that
 *      started before it is still alive, and after re-reading the snapshots: a condemned pack that
 *      a snapshot written meanwhile references is rescued. Otherwise the plan waits for the next
 *      prune. Carrying it out is ordered: index rewritten, then packs deleted, then the plan.
 * Packs younger than the grace period are never condemned: they may belong to a backup that has
 * not written its snapshot. Prune refuses to delete anything while a snapshot cannot be read or a
 * blob a snapshot needs is in no index: what it would free is then unknowable.
 */
import { z } from 'zod';
import { HoldfastError, corrupt, isHoldfastError } from '../../base/errors.js';
import { faultPoint } from '../../base/faults.js';
import type { Repository } from '../repository/repository.js';
import { packName } from '../pack/pack.js';
import { segmentOf } from '../index/master-index.js';
import { snapshotSchema, type SnapshotRef } from '../snapshot/snapshot.js';
import { nameId } from '../repository/format.js';
import { acquireExclusive, listLocks } from '../repository/locks.js';
import { randomName } from '../repository/format.js';
import { referencedBlobs } from './walk.js';

export interface PruneOptions {
  /** Packs modified within this many ms are left alone. Default 1 hour. */
  graceMs?: number;
  /** Repack a pack when at least this fraction of its bytes is unused. Default 0.5. */
  repackThreshold?: number;
  dryRun?: boolean;
  now?: () => Date;
  log?: (message: string) => void;
}

export interface PruneResult {
  condemnedPacks: number;
  repackedPacks: number;
  deletedPacks: number;
  deletedBytes: number;
  deletedOrphans: number;
  rescuedPacks: number;
  /** Plans kept for later, with why. */
  deferred: string[];
  /** Objects the store's retention holds, with until when. */
  held: { name: string; until?: string }[];
  /** Incomplete writes (`.tmp-*`) older than the grace period, removed. */
  deletedTemporaries: number;
  /** Condemned packs kept because they hold the last intact copy of a needed blob, with why. */
  kept: string[];
}

const planSchema = z.object({ time: z.string(), packs: z.array(z.string()) });

export async function prune(repo: Repository, opts: PruneOptions = {}): Promise<PruneResult> {
  const now = opts.now ?? (() => new Date());
  const grace = opts.graceMs ?? 3_600_000;
  const log = opts.log ?? (() => {});
  const result: PruneResult = { condemnedPacks: 0, repackedPacks: 0, deletedPacks: 0, deletedBytes: 0, deletedOrphans: 0, rescuedPacks: 0, deferred: [], held: [], deletedTemporaries: 0, kept: [] };
  const lock = opts.dryRun ? undefined : await acquireExclusive(repo);
  try {
    const packInfo = new Map<string, { size: number; modified: Date }>();
    for await (const b of repo.store.list('data/')) packInfo.set(b.name.slice(b.name.lastIndexOf('/') + 1), { size: b.size, modified: b.modified });
    const young = (p: string) => now().getTime() - (packInfo.get(p)?.modified.getTime() ?? 0) < grace;
    const snaps = await readAllSnapshots(repo);
    // Re-read the index after listing snapshots: a backup that finished since the caller loaded it
    // names blobs only the newer segments know.
    await repo.loadIndex();
    repo.assertUndamaged('prune');
    const used = await usedBlobs(repo, snaps);
    const byPack = repo.index.byPack();

    // Phase 1: condemn unused packs, repack mostly-unused ones.
    const condemn = new Set<string>();
    for (const [pack, blobs] of byPack) {
      if (repo.index.condemned.has(pack) || young(pack) || !packInfo.has(pack)) continue;
      const total = blobs.reduce((a, b) => a + b.loc.length, 0);
      // A blob needs this copy only if no other live, uncondemned copy exists.
      const needed = blobs.filter((b) => used.has(b.id) && !repo.index.locations(b.id).some((l) => l.pack !== pack && !repo.index.condemned.has(l.pack) && !condemn.has(l.pack)));
      const neededBytes = needed.reduce((a, b) => a + b.loc.length, 0);
      if (needed.length === 0) condemn.add(pack);
      else if (total > 0 && 1 - neededBytes / total >= (opts.repackThreshold ?? 0.5)) {
        if (!opts.dryRun && !(await repack(repo, pack, needed, log))) continue;
        result.repackedPacks++;
        condemn.add(pack);
      }
    }
    if (!opts.dryRun) await repo.flush();
    result.condemnedPacks = condemn.size;
    if (opts.dryRun) return result;
    if (condemn.size) {
      await repo.saveUnretained(randomName('deletions'), { time: now().toISOString(), packs: [...condemn] }, true);
      log(`condemned ${condemn.size} packs`);
    }

    // Phase 2: carry out every plan whose possible users are gone.
    const locks = (await listLocks(repo)).filter((l) => !l.exclusive);
    const after = await readAllSnapshots(repo);
    const changed = after.length !== snaps.length || after.some((s, i) => s.id !== snaps[i]!.id);
    if (changed) await repo.loadIndex();
    const usedNow = changed ? await usedBlobs(repo, after) : used;
    const doomed = new Set<string>();
    const carriedOut: { name: string; packs: readonly string[] }[] = [];
    for (const { name, plan } of await readPlans(repo, log)) {
      if (!plan) {
        // Unreadable: none of it is carried out, and dropping it is safe because a plan outlives
        // its deletions and the index never names a pack a plan deleted (below): each of its packs
        // is either still indexed and present, or in no index.
        carriedOut.push({ name, packs: [] });
        continue;
      }
      const blockers = locks.filter((l) => new Date(l.started) <= new Date(plan.time));
      if (blockers.length) {
        const unreadable = blockers.filter((l) => l.unreadable).length;
        result.deferred.push(
          `${plan.packs.length} packs wait for ${blockers.length} reader(s) or writer(s) running since ${blockers.map((l) => l.started).join(', ')}` +
            (unreadable ? ` (${unreadable} of them an unreadable lock: if nothing is running, 'holdfast unlock' removes it)` : ''),
        );
        continue;
      }
      const inPlan = new Set(plan.packs);
      for (const pack of plan.packs) {
        if (!packInfo.has(pack) && !repo.index.packs.has(pack)) continue; // done by an earlier run
        if (needsThisCopy(repo, byPack.get(pack) ?? [], pack, usedNow, (p) => inPlan.has(p) || doomed.has(p))) result.rescuedPacks++;
        else doomed.add(pack);
      }
      carriedOut.push({ name, packs: plan.packs });
    }
    for (const [pack, why] of await lastIntactCopies(repo, doomed, byPack, usedNow)) {
      doomed.delete(pack);
      result.rescuedPacks++;
      log(why);
      result.kept.push(why);
    }
    /** Doomed packs that must stay for now (retention): their plans stay with them. */
    const staying = new Set<string>();
    for (const [pack, until] of await heldPacks(repo, doomed, now())) {
      doomed.delete(pack);
      staying.add(pack);
      result.held.push({ name: packName(pack), until: until.toISOString() });
    }

    // The order is the safety argument (docs/repository-format.md, "Prune"): the index stops naming
    // the doomed packs before any of them is deleted, and the plans that condemn them are deleted
    // last. A crash at any step leaves either packs that are indexed and still condemned (readers
    // use them, writers do not deduplicate against them) or packs that nothing names (orphans that
    // the next prune deletes); never an index entry for a deleted pack.
    await faultPoint('prune:index-rewrite');
    if ([...doomed].some((p) => repo.index.packs.has(p)))
      for (const pack of await rewriteIndex(repo, doomed)) {
        doomed.delete(pack);
        staying.add(pack);
        result.held.push({ name: packName(pack), until: 'the index segment naming it may be deleted (object lock)' });
      }
    await faultPoint('prune:index-rewritten');
    for (const pack of doomed) {
      try {
        await repo.store.delete(packName(pack));
      } catch (e) {
        if (!isHoldfastError(e, 'BLOB_HELD')) throw e;
        staying.add(pack);
        result.held.push({ name: packName(pack) });
        continue;
      }
      result.deletedPacks++;
      result.deletedBytes += packInfo.get(pack)?.size ?? 0;
    }
    await faultPoint('prune:packs-deleted');
    // A plan goes only when all its packs have: it outlives its deletions, so a held or
    // interrupted one is finished by a later prune.
    for (const c of carriedOut) if (!c.packs.some((p) => staying.has(p))) await repo.store.delete(c.name);
    await faultPoint('prune:plans-deleted');

    // Orphans: packs no index names, left by a backup killed between pack and index upload, or by
    // a prune killed after its index rewrite. No snapshot needs them (checked above: every blob a
    // snapshot uses is indexed), so after the grace period they go.
    if (locks.length === 0)
      for (const [pack, info] of packInfo)
        if (!repo.index.packs.has(pack) && !doomed.has(pack) && now().getTime() - info.modified.getTime() >= grace) {
          await repo.store.delete(packName(pack)).catch(() => {});
          result.deletedOrphans++;
        }
    result.deletedTemporaries = (await repo.store.sweepTemporaries?.(new Date(now().getTime() - grace))) ?? 0;
    return result;
  } finally {
    await lock?.release();
  }
}

/** Whether some blob of `pack` that a snapshot uses has no other copy outside the excluded packs. */
function needsThisCopy(repo: Repository, blobs: readonly { id: string }[], pack: string, used: ReadonlySet<string>, excluded: (p: string) => boolean): boolean {
  return blobs.some((b) => used.has(b.id) && !repo.index.locations(b.id).some((l) => l.pack !== pack && !excluded(l.pack)));
}

/**
 * A doomed pack may hold the last intact copy of a blob whose other copy (written by a repack) is
 * damaged: before deleting, read the surviving copies of each used blob in the doomed packs and
 * verify one. A pack whose blob has no intact copy elsewhere is kept (rescued, and named). The
 * cost is the repacked data, read once more; packs with no used blob cost nothing.
 */
async function lastIntactCopies(repo: Repository, doomed: ReadonlySet<string>, byPack: Map<string, { id: string }[]>, used: ReadonlySet<string>): Promise<Map<string, string>> {
  const keep = new Map<string, string>();
  for (const pack of doomed)
    for (const { id } of byPack.get(pack) ?? []) {
      if (!used.has(id) || keep.has(pack)) continue;
      let intact = false;
      for (const l of repo.index.locations(id).filter((l) => !doomed.has(l.pack))) {
        try {
          repo.openBlob(id, await repo.store.get(packName(l.pack), { offset: l.offset, length: l.length }), l.pack);
          intact = true;
          break;
        } catch (e) {
          if (!(e instanceof HoldfastError) || (e.kind !== 'corrupt' && e.kind !== 'not-found')) throw e;
        }
      }
      if (!intact) keep.set(pack, `kept pack ${pack.slice(0, 12)}: it holds the last intact copy of blob ${id.slice(0, 12)} (the other copy is damaged or missing; run 'holdfast check --read-data')`);
    }
  return keep;
}

/** The doomed packs that the store's retention still holds, with until when. */
async function heldPacks(repo: Repository, doomed: ReadonlySet<string>, now: Date): Promise<Map<string, Date>> {
  const out = new Map<string, Date>();
  if (!repo.store.heldUntil) return out;
  for (const pack of doomed) {
    const until = await repo.store.heldUntil(packName(pack)).catch((e: unknown) => {
      if (isHoldfastError(e, 'BLOB_NOT_FOUND')) return undefined;
      throw e;
    });
    if (until && until > now) out.set(pack, until);
  }
  return out;
}

/** Every deletion plan; one that cannot be read is returned without a plan, and logged by name. */
async function readPlans(repo: Repository, log: (m: string) => void): Promise<{ name: string; plan?: z.infer<typeof planSchema> }[]> {
  const out: { name: string; plan?: z.infer<typeof planSchema> }[] = [];
  for await (const b of repo.store.list('deletions/')) {
    try {
      out.push({ name: b.name, plan: await repo.loadJson(b.name, planSchema) });
    } catch (e) {
      if (isHoldfastError(e, 'BLOB_NOT_FOUND')) continue;
      if (!(e instanceof HoldfastError) || e.kind !== 'corrupt') throw e;
      log(`deletion plan ${b.name} cannot be read (${e.message}); removing it, none of its packs is deleted`);
      out.push({ name: b.name });
    }
  }
  return out;
}

/**
 * Every snapshot, strictly: one that cannot be read makes prune stop before it deletes anything,
 * since the blobs only it references would look unused. A snapshot deleted between list and read
 * was forgotten meanwhile and does not count.
 */
async function readAllSnapshots(repo: Repository): Promise<SnapshotRef[]> {
  const out: SnapshotRef[] = [];
  for await (const b of repo.store.list('snapshots/')) {
    try {
      out.push({ id: nameId(b.name), snapshot: await repo.loadJson(b.name, snapshotSchema) });
    } catch (e) {
      if (isHoldfastError(e, 'BLOB_NOT_FOUND')) continue;
      if (e instanceof HoldfastError && e.kind === 'corrupt')
        throw corrupt('PRUNE_SNAPSHOT_DAMAGED', `prune: ${e.message}; nothing was deleted. Run 'holdfast repair snapshots' first`, e);
      throw e;
    }
  }
  return out.sort((a, b) => a.snapshot.time.localeCompare(b.snapshot.time) || a.id.localeCompare(b.id));
}

/** Blobs the snapshots use; refuses when one of them is in no index (the index is incomplete). */
async function usedBlobs(repo: Repository, snaps: readonly SnapshotRef[]): Promise<Set<string>> {
  const hint = "nothing was deleted. Run 'holdfast repair index' (it rebuilds the index from the packs), then 'holdfast check'";
  let used: Set<string>;
  try {
    used = await referencedBlobs(repo, snaps.map((s) => s.snapshot.tree));
  } catch (e) {
    if (e instanceof HoldfastError && e.kind === 'corrupt') throw corrupt('PRUNE_INDEX_INCOMPLETE', `prune: ${e.message}; ${hint}`, e);
    throw e;
  }
  const missing = [...used].filter((id) => repo.index.locations(id).length === 0);
  if (missing.length)
    throw corrupt('PRUNE_INDEX_INCOMPLETE', `prune: ${missing.length} blob(s) that snapshots need are in no index (first ${missing[0]!.slice(0, 12)}); ${hint}`);
  return used;
}

/**
 * Copies the blobs still needed out of a mostly-unused pack, verifying each first: a damaged blob
 * copied into a new pack would become the only copy once the old one is deleted. A pack with a
 * damaged needed blob is left alone (and named), so check and repair see it as it is.
 */
async function repack(repo: Repository, pack: string, needed: readonly { id: string; loc: { type: 'data' | 'tree'; offset: number; length: number; rawLength: number } }[], log: (m: string) => void): Promise<boolean> {
  const data = await repo.store.get(packName(pack));
  const sealed = needed.map((b) => Buffer.from(data.subarray(b.loc.offset, b.loc.offset + b.loc.length)));
  try {
    needed.forEach((b, i) => repo.openBlob(b.id, sealed[i]!, pack));
  } catch (e) {
    if (!(e instanceof HoldfastError) || e.kind !== 'corrupt') throw e;
    log(`not repacking pack ${pack.slice(0, 12)}: ${e.message}; run 'holdfast check --read-data'`);
    return false;
  }
  for (const [i, b] of needed.entries()) await repo.addSealed(b.loc.type, b.id, sealed[i]!, b.loc.rawLength, true);
  return true;
}

/**
 * One new segment for every pack still present, then the old segments this prune read. An old
 * segment the store's retention holds stays; the doomed packs it names are returned, to be kept
 * (still indexed, still condemned, their plan kept) until a prune after its retention ends.
 */
async function rewriteIndex(repo: Repository, doomed: ReadonlySet<string>): Promise<Set<string>> {
  const old: string[] = [];
  for await (const b of repo.store.list('index/')) if (repo.loadedSegments.has(b.name)) old.push(b.name);
  const packs = [...repo.index.byPack()].filter(([p]) => !doomed.has(p)).map(([id, blobs]) => ({ id, blobs: blobs.map((b) => ({ ...b.loc, id: b.id })) }));
  repo.loadedSegments.add(await repo.saveJson('index', segmentOf(packs)));
  await faultPoint('prune:index-segment-written');
  const stillNamed = new Set<string>();
  for (const name of old) {
    try {
      await repo.store.delete(name);
      repo.loadedSegments.delete(name);
    } catch (e) {
      if (!isHoldfastError(e, 'BLOB_HELD')) throw e;
      const seg = await repo.loadJson(name, heldSegmentSchema);
      for (const p of seg.packs) if (doomed.has(p.id)) stillNamed.add(p.id);
    }
  }
  return stillNamed;
}

/** Only which packs a segment names: enough to know what a held segment keeps indexed. */
const heldSegmentSchema = z.object({ packs: z.array(z.object({ id: z.string() }).passthrough()) }).passthrough();
