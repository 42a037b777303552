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

export interface LockEntry extends LockInfo {
  /** Why it no longer counts: its owner on this host is gone, or it was not refreshed in time. */
  stale?: string;
}

/** Every lock in the repository, the stale ones marked with why. */
export async function inspectLocks(repo: Repository, now = new Date()): Promise<LockEntry[]> {
  const out: LockEntry[] = [];
  for await (const b of repo.store.list('locks/')) {
    try {
      const l = await repo.loadJson(b.name, lockSchema);
      const age = now.getTime() - new Date(l.refreshed).getTime();
      const stale = ownerIsDead(l) ? `process ${l.pid} on this host no longer exists` : age >= STALE_MS ? `not refreshed for ${Math.round(age / 60_000)} min` : undefined;
      out.push({ ...l, name: b.name, ...(stale ? { stale } : {}) });
    } catch (e) {
      // A lock deleted between list and get was released: not an error.
      if (!isHoldfastError(e, 'BLOB_NOT_FOUND')) throw e;
    }
  }
  return out;
}

/** The locks that count: held by a live process. */
export async function listLocks(repo: Repository, now = new Date()): Promise<LockInfo[]> {
  return (await inspectLocks(repo, now)).filter((l) => !l.stale);
}

/**
 * Removes the stale locks (nothing else needs them), or with `all` every lock — only for when the
 * operator knows the owners are gone (a host that died within the last STALE_MS): a live backup
 * whose lock is removed is no longer protected from a concurrent prune.
 */
export async function removeLocks(repo: Repository, o: { all?: boolean } = {}, now = new Date()): Promise<LockEntry[]> {
  const doomed = (await inspectLocks(repo, now)).filter((l) => o.all || l.stale);
  for (const l of doomed) await repo.store.delete(l.name);
  return doomed;
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
