/**
 * Where chunk workers stage pack files (pack/pack-file.ts) until the store holds them, how the files
 * are named, and removing those a backup that crashed left behind.
 *
 * The directory: inside a directory repository (the fs store's `stagingDir`, hidden from list), so
 * storing a pack is a link on the same file system; otherwise one per user and repository under the
 * system's temporary directory (os.tmpdir(): $TMPDIR, else /tmp) — for the data-mover pod, an emptyDir.
 *
 * A file is named `<pid>@<host>~<tag>~<n>`: the owner, as its backup's lock names it, and a tag per
 * pool. A backup removes what it staged when it ends, even when it fails; what a killed one left is
 * removed by the next backup in the repository, once no live lock has that owner.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { errnoCode, fromSystemError } from '../../base/errors.js';
import type { Repository } from '../repository/repository.js';
import { listLocks, ownerIsDead } from '../repository/locks.js';

/** Per user under the temporary directory: another user's backup of the same repository has its own. */
export function stagingDir(repo: Repository): string {
  return repo.store.stagingDir ?? join(tmpdir(), `holdfast-staging-${process.getuid?.() ?? 'user'}-${repo.config.id}`);
}

/**
 * Creates the directory and returns it: private under the temporary directory (packs are
 * encrypted, but their sizes are nobody else's business), and inside a repository with the
 * permissions its other directories get, so whoever may write the repository may stage in it.
 */
export function makeStagingDir(repo: Repository): string {
  const dir = stagingDir(repo);
  try {
    mkdirSync(dir, { recursive: true, mode: repo.store.stagingDir ? 0o777 : 0o700 });
  } catch (e) {
    throw fromSystemError(`create the pack staging directory ${dir}`, e);
  }
  return dir;
}

/** The start of every name one pool stages: its process and host, and a tag of its own. */
export function stagingPrefix(pid = process.pid, host = hostname()): string {
  return `${pid}@${encodeURIComponent(host).replaceAll('~', '%7E')}~${randomBytes(4).toString('hex')}~`;
}

/** The owner a staged file's name gives, or undefined for a name this code never makes. */
export function ownerOf(name: string): { pid: number; host: string } | undefined {
  const m = /^(\d+)@([^~]+)~[0-9a-f]{8}~/.exec(name);
  if (!m) return undefined;
  try {
    return { pid: Number(m[1]), host: decodeURIComponent(m[2]!) };
  } catch {
    return undefined;
  }
}

export interface LiveOwners {
  /** `pid@host` of every live lock. */
  owners: ReadonlySet<string>;
  /** Some live lock cannot be read: its owner is unknown, so only provably dead owners' files go. */
  unknown: boolean;
}

/**
 * Pure (given `dead`): whether a staged file was left by a backup that no longer runs. A backup
 * takes its lock before it stages anything and removes what it staged before it releases the
 * lock, so a file whose owner holds no live lock is left over; one whose owner on this host is
 * gone is left over whatever the locks say.
 */
export function isLeftover(name: string, live: LiveOwners, dead: (o: { pid: number; host: string }) => boolean = ownerIsDead): boolean {
  const o = ownerOf(name);
  if (!o) return false;
  if (dead(o)) return true;
  return !live.unknown && !live.owners.has(`${o.pid}@${o.host}`);
}

/** Removes the staged files of backups that no longer run; returns how many. */
export async function sweepStaging(repo: Repository): Promise<number> {
  const dir = stagingDir(repo);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => ownerOf(n));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return 0;
    throw fromSystemError(`list the pack staging directory ${dir}`, e);
  }
  if (names.length === 0) return 0;
  const locks = await listLocks(repo);
  const live: LiveOwners = { owners: new Set(locks.filter((l) => !l.unreadable).map((l) => `${l.pid}@${l.host}`)), unknown: locks.some((l) => l.unreadable) };
  let removed = 0;
  for (const n of names.filter((x) => isLeftover(x, live))) {
    await rm(join(dir, n), { force: true });
    removed++;
  }
  return removed;
}
