/**
 * repair index: rebuilds the index from the packs themselves. Every pack's header lists its blobs
 * (see pack/pack.ts), so the index is redundant, and this is how a repository whose segments are
 * damaged, deleted or stale (naming packs that are gone) becomes whole again.
 *
 * Crash-safety: the new segment is written and durable before any old one is deleted, so a crash
 * leaves the old index plus a new segment that repeats it — never less than either. The segments
 * deleted are exactly the ones listed before the packs were: a backup that adds a pack and its
 * segment meanwhile keeps its segment (the pack may or may not be in ours; both are harmless).
 * It takes the exclusive lock, so it never races a prune rewriting the index.
 */
import { createHash } from 'node:crypto';
import { faultPoint } from '../../base/faults.js';
import { isDamage, type Repository } from '../repository/repository.js';
import { acquireExclusive, listLocks } from '../repository/locks.js';
import { segmentOf } from '../index/master-index.js';
import { packName, readPackHeader, type PackedBlob } from '../pack/pack.js';

export interface RepairIndexOptions {
  /** Download every pack and keep only the blob copies that decrypt and verify (slow, thorough). */
  readAllData?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface RepairIndexResult {
  /** Packs in the store. */
  packs: number;
  /** Packs (and blobs) the new index lists. */
  indexed: number;
  blobs: number;
  /** Packs whose header cannot be read. `kept`: the old index's entries for it were carried over. */
  unreadable: { pack: string; reason: string; kept: boolean }[];
  /** With readAllData: blob copies left out because they fail to decrypt or verify. */
  damagedBlobs: { pack: string; blob: string; reason: string }[];
  /** Packs the old index named that are not in the store (their entries are dropped). */
  missingPacks: string[];
  /** Packs the old index did not know (found again by this repair). */
  foundPacks: string[];
  newSegment: string;
  removedSegments: string[];
  /**
   * With readAllData: damaged packs whose intact blobs were copied into new packs; they are then
   * in no index, and deleted unless a backup, restore or check was running (then prune does it).
   */
  rewrittenPacks: { pack: string; blobs: number; deleted: boolean }[];
}

export async function repairIndex(repo: Repository, opts: RepairIndexOptions = {}): Promise<RepairIndexResult> {
  const lock = await acquireExclusive(repo);
  try {
    // Segments first, then packs: a pack always exists before its segment does (see uploadPack),
    // so every pack a listed segment names is in the pack listing.
    const oldSegments: string[] = [];
    for await (const b of repo.store.list('index/')) oldSegments.push(b.name);
    const stored = new Map<string, number>();
    for await (const b of repo.store.list('data/')) stored.set(b.name.slice(b.name.lastIndexOf('/') + 1), b.size);
    await repo.loadIndex();
    const known = repo.index.byPack();

    const result: RepairIndexResult = { packs: stored.size, indexed: 0, blobs: 0, unreadable: [], damagedBlobs: [], missingPacks: [], foundPacks: [], newSegment: '', removedSegments: [], rewrittenPacks: [] };
    const packs: { id: string; blobs: PackedBlob[] }[] = [];
    let done = 0;
    for (const [pack, size] of [...stored].sort(([a], [b]) => a.localeCompare(b))) {
      opts.onProgress?.(done++, stored.size);
      const previous = known.get(pack)?.map((b) => ({ ...b.loc, id: b.id }));
      let blobs: PackedBlob[];
      try {
        if (opts.readAllData) {
          const v = await verifiedBlobs(repo, pack, previous, result);
          // A damaged pack cannot be re-indexed from itself again (its header or size is wrong):
          // what still verifies moves to new packs, indexed by their own segments.
          if (v.damaged) {
            for (const b of v.blobs) await repo.addSealed(b.type, b.id, v.sealed(b), b.rawLength, true);
            result.rewrittenPacks.push({ pack, blobs: v.blobs.length, deleted: false });
            continue;
          }
          blobs = v.blobs;
        } else blobs = await repo.packHeader(pack, size);
      } catch (e) {
        if (!isDamage(e)) throw e;
        // The old index may still know this pack's blobs: keeping those entries loses nothing (a
        // reader verifies every blob), dropping them would lose every blob only this pack holds.
        result.unreadable.push({ pack, reason: e.message, kept: !!previous });
        if (!previous) continue;
        blobs = previous;
      }
      if (!known.has(pack)) result.foundPacks.push(pack);
      if (blobs.length === 0) continue;
      packs.push({ id: pack, blobs });
      result.blobs += blobs.length;
    }
    result.indexed = packs.length;
    result.missingPacks = [...known.keys()].filter((p) => !stored.has(p));

    await repo.flush();
    result.newSegment = await repo.saveJson('index', segmentOf(packs));
    await faultPoint('repair-index:segment-written');
    for (const name of oldSegments) {
      await repo.store.delete(name);
      result.removedSegments.push(name);
    }
    // No index names a rewritten pack now; a reader that loaded the index before may still, so
    // they go only when no shared lock is live.
    if (result.rewrittenPacks.length && (await listLocks(repo)).every((l) => l.exclusive))
      for (const r of result.rewrittenPacks) {
        await repo.store.delete(packName(r.pack));
        r.deleted = true;
      }
    await repo.loadIndex();
    return result;
  } finally {
    await lock.release();
  }
}

/**
 * The whole pack, read and checked: its header (or, if that is damaged, what the old index said)
 * gives the blobs, and only the copies that decrypt and verify are kept. `damaged` when the pack's
 * bytes do not match its name.
 */
async function verifiedBlobs(repo: Repository, pack: string, previous: PackedBlob[] | undefined, result: RepairIndexResult): Promise<{ blobs: PackedBlob[]; damaged: boolean; sealed: (b: PackedBlob) => Buffer }> {
  const data = await repo.store.get(packName(pack));
  const sealed = (b: PackedBlob) => Buffer.from(data.subarray(b.offset, b.offset + b.length));
  let listed: PackedBlob[];
  try {
    listed = readPackHeader(repo.workerKeys().encKey, data, pack);
  } catch (e) {
    if (!isDamage(e) || !previous) throw e;
    listed = previous;
  }
  if (createHash('sha256').update(data).digest('hex') === pack) return { blobs: listed, damaged: false, sealed };
  // Damaged somewhere: keep each blob that still verifies on its own.
  const blobs = listed.filter((b) => {
    try {
      repo.openBlob(b.id, sealed(b), pack);
      return true;
    } catch (e) {
      result.damagedBlobs.push({ pack, blob: b.id, reason: e instanceof Error ? e.message : String(e) });
      return false;
    }
  });
  return { blobs, damaged: true, sealed };
}
