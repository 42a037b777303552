/**
 * Locks. Backups take a *shared* lock: it excludes nothing, it only tells prune "a writer is
 * active since T", so prune defers deleting what that writer might reference. Prune takes the one
 * *exclusive* lock so two prunes never race. Locks are refreshed by writing a new one and deleting
 * the old (write-once stores cannot update in place); a lock not refreshed for STALE_MS belongs to
 * a dead process and is ignored; so is one whose owner on this host no longer exists.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { conflict, isHoldfastError } from '../../base/errors.js';
import type { Repository } from './repository.js';
import { randomName } from './format.js';

export const STALE_MS = 10 * 60_000;
const REFRESH_MS = 2 * 60_000;
const EXCLUSIVE = 'locks/exclusive';

const lockSchema = z.object({ exclusive: z.boolean(), started: z.string(), refreshed: z.string(), host: z.string(), pid: z.number() });
export type LockInfo = z.infer<typeof lockSchema> & { name: string };

/** A lock taken on this host by a process that no longer exists (kill -9, crash) is stale at once. */
function ownerIsDead(l: { host: string; pid: number }): boolean {
  if (l.host !== hostname() || l.pid === process.pid) return false;
  try {
    process.kill(l.pid, 0);
    return false;
  } catch (e) {
    return (e as { code?: string }).code === 'ESRCH';
  }
}

export async function listLocks(repo: Repository, now = new Date()): Promise<LockInfo[]> {
  const out: LockInfo[] = [];
  for await (const b of repo.store.list('locks/')) {
    try {
      const l = await repo.loadJson(b.name, lockSchema);
      if (now.getTime() - new Date(l.refreshed).getTime() < STALE_MS && !ownerIsDead(l)) out.push({ ...l, name: b.name });
    } catch (e) {
      // A lock deleted between list and get was released: not an error.
      if (!isHoldfastError(e, 'BLOB_NOT_FOUND')) throw e;
    }
  }
  return out;
}

export interface HeldLock {
  started: Date;
  release(): Promise<void>;
}

async function writeLock(repo: Repository, exclusive: boolean, started: Date, name: string): Promise<void> {
  const body = { exclusive, started: started.toISOString(), refreshed: new Date().toISOString(), host: hostname(), pid: process.pid };
  await repo.saveUnretained(name, body, exclusive);
}

export async function acquireShared(repo: Repository): Promise<HeldLock> {
  const started = new Date();
  let name = randomName('locks');
  await writeLock(repo, false, started, name);
  const timer = setInterval(() => {
    const next = randomName('locks');
    void writeLock(repo, false, started, next)
      .then(() => repo.store.delete(name))
      .then(() => (name = next))
      .catch(() => {});
  }, REFRESH_MS);
  timer.unref();
  return {
    started,
    release: async () => {
      clearInterval(timer);
      await repo.store.delete(name);
    },
  };
}

export async function acquireExclusive(repo: Repository): Promise<HeldLock> {
  const started = new Date();
  const existing = (await listLocks(repo)).find((l) => l.exclusive);
  if (existing)
    throw conflict('REPO_LOCKED', `lock ${repo.store.location}: prune already running on ${existing.host} (pid ${existing.pid}) since ${existing.started}`);
  // A stale exclusive lock (its owner died) is removed before taking ours.
  if (await repo.store.stat(EXCLUSIVE)) await repo.store.delete(EXCLUSIVE);
  await writeLock(repo, true, started, EXCLUSIVE).catch((e: unknown) => {
    if (isHoldfastError(e, 'BLOB_EXISTS')) throw conflict('REPO_LOCKED', `lock ${repo.store.location}: another prune took the lock first`);
    throw e;
  });
  return { started, release: () => repo.store.delete(EXCLUSIVE) };
}
