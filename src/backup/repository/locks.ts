/**
 * Locks. Backups, restores and checks take a *shared* lock: it excludes nothing, it only tells
 * prune "a writer or reader is active since T", so prune defers deleting what it might use. Prune,
 * forget and repair take the one *exclusive* lock so two never race. Locks are refreshed by writing a
 * new one and deleting the old (write-once stores cannot update in place); a lock not refreshed
 * for STALE_MS belongs to a dead process and is ignored; so is one whose owner on this host no
 * longer exists, and one dated more than STALE_MS in the future (a clock that was wrong).
 *
 * A lock that cannot be read (damaged, or sealed with another key) counts as live until the
 * store's own modification time of it is STALE_MS old: its owner may be a running backup, and
 * prune must not guess. `unlock` removes it.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { HoldfastError, conflict, isHoldfastError } from '../../base/errors.js';
import type { Repository } from './repository.js';
import { randomName } from './format.js';
import { faultPoint } from '../../base/faults.js';

export const STALE_MS = 10 * 60_000;
const REFRESH_MS = 2 * 60_000;
const EXCLUSIVE = 'locks/exclusive';

const lockSchema = z.object({
  exclusive: z.boolean(),
  started: z.string(),
  refreshed: z.string(),
  host: z.string(),
  pid: z.number(),
  /** What holds it ("backup", "restore", "check", "prune", "forget", "repair"); absent in older locks. */
  purpose: z.string().optional(),
});
export type LockInfo = z.infer<typeof lockSchema> & { name: string };

/** A lock taken on this host by a process that no longer exists (kill -9, crash) is stale at once. */
export function ownerIsDead(l: { host: string; pid: number }): boolean {
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
  /** Why it could not be read; such a lock's times are the store's modification time. */
  unreadable?: string;
}

/** Pure: why a lock no longer counts, or undefined while it does. */
export function staleness(l: { refreshed: string; host: string; pid: number }, now: Date, unreadable = false): string | undefined {
  const age = now.getTime() - new Date(l.refreshed).getTime();
  if (Number.isNaN(age)) return `its time ${JSON.stringify(l.refreshed)} is not a date`;
  if (!unreadable && ownerIsDead(l)) return `process ${l.pid} on this host no longer exists`;
  if (age >= STALE_MS) return `${unreadable ? 'unreadable and untouched' : 'not refreshed'} for ${Math.round(age / 60_000)} min`;
  if (age <= -STALE_MS) return `dated ${Math.round(-age / 60_000)} min in the future`;
  return undefined;
}

/** Every lock in the repository, the stale ones marked with why. */
export async function inspectLocks(repo: Repository, now = new Date()): Promise<LockEntry[]> {
  const out: LockEntry[] = [];
  for await (const b of repo.store.list('locks/')) {
    try {
      const l = await repo.loadJson(b.name, lockSchema);
      const stale = staleness(l, now);
      out.push({ ...l, name: b.name, ...(stale ? { stale } : {}) });
    } catch (e) {
      // A lock deleted between list and get was released: not an error.
      if (isHoldfastError(e, 'BLOB_NOT_FOUND')) continue;
      if (!(e instanceof HoldfastError) || e.kind !== 'corrupt') throw e;
      const at = b.modified.toISOString();
      const l = { exclusive: b.name === EXCLUSIVE, started: new Date(0).toISOString(), refreshed: at, host: '?', pid: 0 };
      const stale = staleness(l, now, true);
      out.push({ ...l, name: b.name, unreadable: e.message, ...(stale ? { stale } : {}) });
    }
  }
  return out;
}

/** The locks that count: held by a live process. */
export async function listLocks(repo: Repository, now = new Date()): Promise<LockEntry[]> {
  return (await inspectLocks(repo, now)).filter((l) => !l.stale);
}

/**
 * Removes the stale and the unreadable locks (nothing can use those), or with `all` every lock — only for when the
 * operator knows the owners are gone (a host that died within the last STALE_MS): a live backup
 * whose lock is removed is no longer protected from a concurrent prune.
 */
export async function removeLocks(repo: Repository, o: { all?: boolean } = {}, now = new Date()): Promise<LockEntry[]> {
  const doomed = (await inspectLocks(repo, now)).filter((l) => o.all || l.stale || l.unreadable);
  for (const l of doomed) await repo.store.delete(l.name);
  return doomed;
}

export interface HeldLock {
  started: Date;
  release(): Promise<void>;
}

async function writeLock(repo: Repository, exclusive: boolean, started: Date, name: string, purpose: string): Promise<void> {
  const body = { exclusive, started: started.toISOString(), refreshed: new Date().toISOString(), host: hostname(), pid: process.pid, purpose };
  await repo.saveUnretained(name, body, exclusive);
}

export async function acquireShared(repo: Repository, purpose = 'backup'): Promise<HeldLock> {
  const started = new Date();
  let name = randomName('locks');
  await writeLock(repo, false, started, name, purpose);
  const timer = setInterval(() => {
    const next = randomName('locks');
    void writeLock(repo, false, started, next, purpose)
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

/**
 * Runs `fn` under a shared lock taken before it reads the index: a restore or check that loaded
 * the index before a prune condemned a pack must keep that pack until it is done with it.
 */
export async function withSharedLock<T>(repo: Repository, purpose: string, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireShared(repo, purpose);
  try {
    await repo.loadIndex();
    await faultPoint(`${purpose}:index-loaded`);
    return await fn();
  } finally {
    await lock.release();
  }
}

export async function acquireExclusive(repo: Repository, purpose = 'prune'): Promise<HeldLock> {
  const started = new Date();
  const existing = (await listLocks(repo)).find((l) => l.exclusive);
  if (existing?.unreadable)
    throw conflict('REPO_LOCKED', `lock ${repo.store.location}: ${existing.name} cannot be read (${existing.unreadable}); if no prune, forget or repair is running, remove it with 'holdfast unlock'`);
  if (existing)
    throw conflict('REPO_LOCKED', `lock ${repo.store.location}: ${existing.purpose ?? 'prune'} already running on ${existing.host} (pid ${existing.pid}) since ${existing.started}`);
  // A stale exclusive lock (its owner died) is removed before taking ours.
  if (await repo.store.stat(EXCLUSIVE)) await repo.store.delete(EXCLUSIVE);
  await writeLock(repo, true, started, EXCLUSIVE, purpose).catch((e: unknown) => {
    if (isHoldfastError(e, 'BLOB_EXISTS')) throw conflict('REPO_LOCKED', `lock ${repo.store.location}: another prune, forget or repair took the lock first`);
    throw e;
  });
  return { started, release: () => repo.store.delete(EXCLUSIVE) };
}
