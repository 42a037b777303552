/** Binds the backup port to the engine in src/backup: a repository on any BlobStore location. */
import { isHoldfastError } from '../../base/errors.js';
import {
  findSnapshot,
  forget,
  initRepository,
  listSnapshots,
  prune,
  Repository,
  restore,
  runBackup,
  acquireShared,
} from '../../backup/index.js';
import type { Clock } from '../../platform/clock.js';
import type { RetentionPolicy } from '../../policy/retention.js';
import { openBlobStore } from '../../storage/index.js';
import type { BackupPort, RepositoryPort } from '../ports.js';

export function backupEngine(clock: Clock): BackupPort {
  return {
    async open(location, password, o) {
      const store = await openBlobStore(location);
      let repo: Repository;
      try {
        repo = await Repository.open(store, password);
      } catch (e) {
        if (!o.init || !isHoldfastError(e, 'REPO_NOT_FOUND')) throw e;
        await initRepository(store, password);
        repo = await Repository.open(store, password);
      }
      return bind(repo, clock, () => Repository.open(store, password));
    },
  };
}

/**
 * The engine's in-memory index only grows (loadIndex adds segments, it never drops one), which is
 * right for a CLI process that lives for one command. The control plane keeps opened repositories
 * for days: once a prune (its own or `holdfast prune` elsewhere) has deleted packs and rewritten
 * the index, an instance opened before still maps blobs to the deleted packs — a backup would
 * deduplicate against data that is gone, a restore would read it. A segment this instance read that
 * is no longer in the store is the sign of such a rewrite: the instance is then opened afresh.
 * Callers check while they hold a shared lock, so a prune deleting after the check defers (or only
 * deletes packs the fresh index already lists as condemned).
 */
async function rewrittenSince(repo: Repository): Promise<boolean> {
  if (repo.loadedSegments.size === 0) return false;
  const present = new Set<string>();
  for await (const b of repo.store.list('index/')) present.add(b.name);
  for (const name of repo.loadedSegments) if (!present.has(name)) return true;
  return false;
}

async function packBytes(repo: Repository): Promise<number> {
  let n = 0;
  for await (const b of repo.store.list('data/')) n += b.size;
  return n;
}

function bind(first: Repository, clock: Clock, reopen: () => Promise<Repository>): RepositoryPort {
  let repo = first;
  const current = async (): Promise<Repository> => {
    if (await rewrittenSince(repo)) repo = await reopen();
    return repo;
  };
  return {
    async backup(o) {
      const guard = await acquireShared(repo);
      try {
        const r = await runBackup(await current(), {
          source: o.source,
          tags: o.tags,
          provenance: o.provenance,
          excludes: o.excludes,
          now: () => clock.now(),
        });
        const s = r.snapshot.summary;
        return {
          snapshotId: r.snapshotId,
          time: new Date(r.snapshot.time),
          bytes: s.bytes,
          files: s.files,
          addedBytes: s.bytesAdded,
        };
      } finally {
        await guard.release();
      }
    },
    async restore(o) {
      const lock = await acquireShared(repo);
      try {
        const r0 = await current();
        await r0.loadIndex();
        const snapshot = await findSnapshot(r0, o.snapshot);
        const r = await restore(r0, { snapshot, target: o.target });
        return { bytes: r.bytes, files: r.files };
      } finally {
        await lock.release();
      }
    },
    async snapshots() {
      return (await listSnapshots(repo)).map((s) => ({
        id: s.id,
        time: new Date(s.snapshot.time),
        tags: s.snapshot.tags,
        provenance: s.snapshot.provenance,
        files: s.snapshot.summary.files,
        bytes: s.snapshot.summary.bytes,
      }));
    },
    async forget(o) {
      const r = await forget(repo, {
        policy: o.policy as RetentionPolicy,
        now: clock.now(),
        filter: (s) => (o.tags ?? []).every((t) => s.snapshot.tags.includes(t)),
      });
      return r.removed;
    },
    async prune(o) {
      // Always a fresh instance: prune rewrites the index from what it holds in memory, so an
      // instance that still lists packs an earlier prune deleted would write them back.
      repo = await reopen();
      // The engine compares `now` with pack mtimes (grace) and lock start times (deferral); with the
      // system clock these agree, and a test clock set ahead makes the repository look older.
      const before = await packBytes(repo);
      const r = await prune(repo, { graceMs: o.graceMs, now: () => clock.now() });
      // The engine counts the packs it deleted; what a repack wrote again is only seen in the store.
      const after = await packBytes(repo);
      return {
        freedBytes: Math.max(0, before - after),
        deletedBytes: r.deletedBytes,
        deletedPacks: r.deletedPacks,
        condemnedPacks: r.condemnedPacks,
        repackedPacks: r.repackedPacks,
        rescuedPacks: r.rescuedPacks,
        deletedOrphans: r.deletedOrphans,
        deferred: r.deferred,
        held: r.held.length,
      };
    },
  };
}
