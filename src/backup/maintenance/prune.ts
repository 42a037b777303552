/**
 * prune: frees the space of data no snapshot references, safely beside running backups.
 *
 * Two phases, because a backup that is running now may have deduplicated against a blob that no
 * snapshot references *yet*:
 *   1. condemn — packs with no referenced blob (older than the grace period) and the old copies of
 *      repacked packs are listed in a deletion plan (`deletions/…`). From then on, new backups do
 *      not reuse blobs in condemned packs; they store their own copies.
 *   2. delete — a plan is carried out only when no backup that started before it is still alive
 *      (its shared lock), and after re-reading the snapshots: a condemned pack that a snapshot
 *      written meanwhile references is rescued. Otherwise the plan waits for the next prune.
 * Packs younger than the grace period are never condemned: they may belong to a backup that has
 * not written its snapshot. A crash at any point leaves either the old state or a valid plan.
 */
import { z } from 'zod';
import { isHoldfastError } from '../../base/errors.js';
import type { Repository } from '../repository/repository.js';
import { packName } from '../pack/pack.js';
import { segmentOf } from '../index/master-index.js';
import { listSnapshots } from '../snapshot/snapshot.js';
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
}

const planSchema = z.object({ time: z.string(), packs: z.array(z.string()) });

export async function prune(repo: Repository, opts: PruneOptions = {}): Promise<PruneResult> {
  const now = opts.now ?? (() => new Date());
  const grace = opts.graceMs ?? 3_600_000;
  const log = opts.log ?? (() => {});
  const result: PruneResult = { condemnedPacks: 0, repackedPacks: 0, deletedPacks: 0, deletedBytes: 0, deletedOrphans: 0, rescuedPacks: 0, deferred: [], held: [] };
  const lock = opts.dryRun ? undefined : await acquireExclusive(repo);
  try {
    const packInfo = new Map<string, { size: number; modified: Date }>();
    for await (const b of repo.store.list('data/')) packInfo.set(b.name.slice(b.name.lastIndexOf('/') + 1), { size: b.size, modified: b.modified });
    const young = (p: string) => now().getTime() - (packInfo.get(p)?.modified.getTime() ?? 0) < grace;
    const snaps = await listSnapshots(repo);
    // Re-read the index after listing snapshots: a backup that finished since the caller loaded it
    // names blobs only the newer segments know.
    await repo.loadIndex();
    repo.assertUndamaged('prune');
    const used = await referencedBlobs(repo, snaps.map((s) => s.snapshot.tree));
    const byPack = repo.index.byPack();

    // Phase 1: condemn unused packs, repack mostly-unused ones.
    const condemn: string[] = [];
    for (const [pack, blobs] of byPack) {
      if (repo.index.condemned.has(pack) || young(pack) || !packInfo.has(pack)) continue;
      const total = blobs.reduce((a, b) => a + b.loc.length, 0);
      // A blob needs this copy only if no other live, uncondemned copy exists.
      const needed = blobs.filter((b) => used.has(b.id) && !repo.index.locations(b.id).some((l) => l.pack !== pack && !repo.index.condemned.has(l.pack) && !condemn.includes(l.pack)));
      const neededBytes = needed.reduce((a, b) => a + b.loc.length, 0);
      if (needed.length === 0) condemn.push(pack);
      else if (total > 0 && 1 - neededBytes / total >= (opts.repackThreshold ?? 0.5)) {
        if (!opts.dryRun) {
          const data = await repo.store.get(packName(pack));
          for (const b of needed) await repo.addSealed(b.loc.type, b.id, Buffer.from(data.subarray(b.loc.offset, b.loc.offset + b.loc.length)), b.loc.rawLength, true);
        }
        result.repackedPacks++;
        condemn.push(pack);
      }
    }
    if (!opts.dryRun) await repo.flush();
    result.condemnedPacks = condemn.length;
    if (opts.dryRun) return result;
    if (condemn.length) {
      await repo.saveUnretained(randomName('deletions'), { time: now().toISOString(), packs: condemn }, true);
      log(`condemned ${condemn.length} packs`);
    }

    // Phase 2: carry out every plan whose possible users are gone.
    const locks = (await listLocks(repo)).filter((l) => !l.exclusive);
    const after = await listSnapshots(repo);
    if (after.length !== snaps.length) await repo.loadIndex();
    const usedNow = after.length === snaps.length ? used : await referencedBlobs(repo, after.map((s) => s.snapshot.tree));
    const deleted = new Set<string>();
    const plans: string[] = [];
    for await (const b of repo.store.list('deletions/')) plans.push(b.name);
    for (const name of plans) {
      const plan = await repo.loadJson(name, planSchema);
      const blockers = locks.filter((l) => new Date(l.started) <= new Date(plan.time));
      if (blockers.length) {
        result.deferred.push(`${plan.packs.length} packs wait for ${blockers.length} backup(s) running since ${blockers.map((l) => l.started).join(', ')}`);
        continue;
      }
      for (const pack of plan.packs) {
        const rescue = (byPack.get(pack) ?? []).some((b) => usedNow.has(b.id) && !repo.index.locations(b.id).some((l) => l.pack !== pack && !plan.packs.includes(l.pack) && !deleted.has(l.pack)));
        if (rescue) {
          result.rescuedPacks++;
          continue;
        }
        try {
          await repo.store.delete(packName(pack));
          deleted.add(pack);
          result.deletedPacks++;
          result.deletedBytes += packInfo.get(pack)?.size ?? 0;
        } catch (e) {
          if (!isHoldfastError(e, 'BLOB_HELD')) throw e;
          const until = await repo.store.heldUntil?.(packName(pack));
          result.held.push({ name: packName(pack), ...(until ? { until: until.toISOString() } : {}) });
        }
      }
      await repo.store.delete(name);
    }

    // Orphans: packs no index names, left by a backup killed between pack and index upload.
    if (locks.length === 0)
      for (const [pack, info] of packInfo)
        if (!repo.index.packs.has(pack) && now().getTime() - info.modified.getTime() >= grace) {
          await repo.store.delete(packName(pack)).catch(() => {});
          result.deletedOrphans++;
        }

    if (deleted.size) await rewriteIndex(repo, deleted);
    return result;
  } finally {
    await lock?.release();
  }
}

/** One new segment for everything still present, then the old segments this prune read. */
async function rewriteIndex(repo: Repository, deleted: Set<string>): Promise<void> {
  const old: string[] = [];
  for await (const b of repo.store.list('index/')) old.push(b.name);
  const byPack = repo.index.byPack();
  const packs = [...byPack].filter(([p]) => !deleted.has(p)).map(([id, blobs]) => ({ id, blobs: blobs.map((b) => ({ ...b.loc, id: b.id })) }));
  await repo.saveJson('index', segmentOf(packs));
  const readHere = new Set<string>(repo.loadedSegments);
  for (const name of old) if (readHere.has(name)) await repo.store.delete(name).catch(() => {});
}
