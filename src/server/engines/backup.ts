/** Binds the backup port to the engine in src/backup: a repository on any BlobStore location. */
import { isHoldfastError } from '../../base/errors.js';
import {
  findSnapshot,
  forget,
  initRepository,
  listSnapshots,
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
      return bind(repo, clock);
    },
  };
}

function bind(repo: Repository, clock: Clock): RepositoryPort {
  return {
    async backup(o) {
      const r = await runBackup(repo, {
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
    },
    async restore(o) {
      const lock = await acquireShared(repo);
      try {
        await repo.loadIndex();
        const snapshot = await findSnapshot(repo, o.snapshot);
        const r = await restore(repo, { snapshot, target: o.target });
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
  };
}
