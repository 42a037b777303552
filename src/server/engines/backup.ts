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
  withSharedLock,
} from '../../backup/index.js';
import type { Clock } from '../../platform/clock.js';
import type { RetentionPolicy } from '../../policy/retention.js';
import { openBlobStore } from '../../storage/index.js';
import { pushCatalogRecords } from '../../recovery/index.js';
import type { BackupPort, RepositoryPort } from '../ports.js';

export function backupEngine(clock: Clock): BackupPort {
  return {
    async open(location, password, o) {
      const store = await openBlobStore(location);
      let repo: Repository;
      try {
        repo = await Repository.open(store, password);
      } catch (e) {
        // A repository whose init was killed before its config is finished the same way.
        if (!o.init || !(isHoldfastError(e, 'REPO_NOT_FOUND') || isHoldfastError(e, 'REPO_INIT_INTERRUPTED'))) throw e;
        await initRepository(store, password);
        repo = await Repository.open(store, password);
      }
      return bind(repo, clock, () => Repository.open(store, password));
    },
  };
}

async function packBytes(repo: Repository): Promise<number> {
  let n = 0;
  for await (const b of repo.store.list('data/')) n += b.size;
  return n;
}

/**
 * The control plane keeps an opened repository for days; its index stays right across a prune made
 * here or elsewhere because every operation reloads it under its lock (Repository.loadIndex starts
 * over when the index was rewritten).
 */
function bind(repo: Repository, clock: Clock, reopen: () => Promise<Repository>): RepositoryPort {
  return {
    async backup(o) {
      const r = await runBackup(repo, {
        source: o.source,
        tags: o.tags,
        provenance: o.provenance,
        excludes: o.excludes,
        failOnUnreadable: !!o.failOnUnreadable,
        now: () => clock.now(),
        ...(o.signalThresholds ? { signalThresholds: o.signalThresholds } : {}),
      });
      const s = r.snapshot.summary;
      return {
        snapshotId: r.snapshotId,
        time: new Date(r.snapshot.time),
        bytes: s.bytes,
        files: s.files,
        addedBytes: s.bytesAdded,
        skipped: s.skipped,
        ...(r.snapshot.signals ? { signals: r.snapshot.signals } : {}),
        ...(r.snapshot.suspicion ? { suspicion: r.snapshot.suspicion } : {}),
      };
    },
    async restore(o) {
      return withSharedLock(repo, 'restore', async () => {
        const r = await restore(repo, { snapshot: await findSnapshot(repo, o.snapshot), target: o.target });
        return { bytes: r.bytes, files: r.files };
      });
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
    async pushCatalog(catalog) {
      return pushCatalogRecords(catalog, repo, () => clock.now());
    },
    async forget(o) {
      const r = await forget(repo, {
        policy: o.policy as RetentionPolicy,
        now: clock.now(),
        ...(o.keepBeforeSuspicious !== undefined ? { keepBeforeSuspicious: o.keepBeforeSuspicious } : {}),
        filter: (s) => (o.tags ?? []).every((t) => s.snapshot.tags.includes(t)),
      });
      return r.removed;
    },
    async prune(o) {
      // Prune deletes, and runs once a day: on a fresh open, so a repository that is gone or was
      // replaced fails it the way a CLI prune would, instead of being acted on by a days-old instance.
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
