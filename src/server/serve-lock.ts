/**
 * One `holdfast serve` per data directory. Two would both own the workloads in
 * `<dataDir>/services/` (the pid files): the second one adopts the first one's shop, and stops it
 * when it fails to listen or is stopped itself. So serve takes `<dataDir>/serve.lock` before it
 * opens anything, and a second one refuses at once, naming the owner.
 *
 * The lock file holds the owner's pid, the kernel's start time of that pid, the host, when it
 * started and where it serves. It is made complete in a temporary file and linked into place, so
 * it exists only whole, and only one of two racing serves can create it. A lock whose owner is
 * gone (no such pid, or a pid now held by another process: its start time differs) is taken
 * over: renamed aside (one rename succeeds per file), then checked to be the very stale lock that
 * was judged (a racer may have replaced it meanwhile: then it is put back). A lock from another
 * host cannot be judged from here, so it counts as held.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { conflict, errnoCode } from '../base/errors.js';
import { procStat, sameProcess } from '../platform/local/process.js';

export interface LockOwner {
  pid: number;
  /** The kernel's start time of pid (clock ticks since boot), when /proc told. */
  start?: string | undefined;
  host: string;
  startedAt: string;
  /** The address it serves: the configured listen address until it listens, then its URL. */
  address: string;
  /** Tells this lock from any other with the same owner fields (a takeover checks it moved the one it judged). */
  nonce: string;
}

export type LockVerdict =
  | { reason: 'Free' | 'OwnerGone' | 'PidReused'; message: string }
  | { reason: 'Held' | 'OtherHost' | 'Unreadable'; message: string };

/**
 * Pure: whether a lock stops this serve. `facts` are what this host knows of the owner's pid now
 * (undefined: no such process).
 */
export function judgeLock(
  owner: LockOwner | 'unreadable' | undefined,
  here: { host: string; file: string },
  facts: { running: boolean; start?: string | undefined },
): LockVerdict {
  if (owner === undefined) return { reason: 'Free', message: 'no lock' };
  if (owner === 'unreadable')
    return {
      reason: 'Unreadable',
      message: `${here.file} is not a lock holdfast wrote; if no holdfast serve uses this data directory, remove it`,
    };
  const who = `holdfast serve pid ${owner.pid} (${owner.address}, since ${owner.startedAt})`;
  if (owner.host !== here.host)
    return {
      reason: 'OtherHost',
      message: `data directory in use by ${who} on host ${owner.host}; if that host is gone, remove ${here.file}`,
    };
  if (!facts.running) return { reason: 'OwnerGone', message: `taking over ${here.file}: ${who} no longer runs` };
  if (owner.start && facts.start && owner.start !== facts.start)
    return { reason: 'PidReused', message: `taking over ${here.file}: pid ${owner.pid} is now another process; ${who} is gone` };
  return {
    reason: 'Held',
    message: `data directory in use by ${who}; stop it first, or give this one another server.dataDir`,
  };
}

function parseOwner(text: string): LockOwner | 'unreadable' {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.nonce === 'string')
      return { startedAt: '?', address: '?', ...o } as LockOwner;
  } catch {
    // not JSON: fall through
  }
  return 'unreadable';
}

async function readOwner(file: string): Promise<LockOwner | 'unreadable' | undefined> {
  try {
    return parseOwner(await readFile(file, 'utf8'));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

export interface ServeLock {
  file: string;
  owner: LockOwner;
  /** Records the address serve listens on, once it does (rewritten whole, by rename). */
  setAddress(address: string): Promise<void>;
  /** Removes the lock if it is still ours. */
  release(): Promise<void>;
}

/**
 * Takes `<dataDir>/serve.lock` for this process, or throws DATA_DIR_IN_USE (a conflict: exit 6)
 * with one line naming the owner. `onTakeover` hears why a stale lock was taken over.
 */
export async function lockDataDir(
  dataDir: string,
  o: { address: string; now: Date; onTakeover?: (message: string) => void },
): Promise<ServeLock> {
  const file = join(dataDir, 'serve.lock');
  const host = hostname();
  const owner: LockOwner = {
    pid: process.pid,
    start: procStat(process.pid)?.start,
    host,
    startedAt: o.now.toISOString(),
    address: o.address,
    nonce: randomBytes(8).toString('hex'),
  };
  const tmp = `${file}.${owner.nonce}.tmp`;
  const write = (w: LockOwner) => writeFile(tmp, JSON.stringify(w) + '\n', { mode: 0o600 });
  await write(owner);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tmp, file);
        break;
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw e;
      }
      const current = await readOwner(file);
      const v = judgeLock(
        current,
        { host, file },
        current && current !== 'unreadable'
          ? { running: sameProcess(current.pid, undefined), start: procStat(current.pid)?.start }
          : { running: false },
      );
      if (v.reason !== 'OwnerGone' && v.reason !== 'PidReused') {
        if (v.reason === 'Free') continue; // released between link and read
        throw conflict('DATA_DIR_IN_USE', v.message);
      }
      // A few rounds at most: each one either takes the lock or finds a live owner.
      if (attempt > 5) throw conflict('DATA_DIR_IN_USE', `${file}: could not take over a stale lock (another serve is starting?)`);
      o.onTakeover?.(v.message);
      await takeOver(file, (current as LockOwner).nonce);
    }
  } finally {
    await rm(tmp, { force: true });
  }
  let mine = owner;
  return {
    file,
    owner,
    async setAddress(address) {
      mine = { ...mine, address };
      await write(mine);
      await rename(tmp, file);
    },
    async release() {
      const current = await readOwner(file).catch(() => undefined);
      if (current && current !== 'unreadable' && current.nonce === owner.nonce) await rm(file, { force: true });
    },
  };
}

/** Moves the stale lock `nonce` aside and deletes it; a live lock moved by mistake (a racer's) is put back. */
async function takeOver(file: string, nonce: string): Promise<void> {
  const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return; // another serve moved it first
    throw e;
  }
  const moved = await readOwner(aside);
  if (moved && moved !== 'unreadable' && moved.nonce !== nonce)
    await link(aside, file).catch((e: unknown) => {
      if (errnoCode(e) !== 'EEXIST') throw e;
    });
  await rm(aside, { force: true });
}
