/**
 * One writer per CA directory at a time. `holdfast tls` commands and `holdfast serve` (which issues
 * from `<dataDir>/ca`) both change ca.json, issued.jsonl, the CRLs and the rotation; without a lock a
 * rotation could activate a new CA between serve's read of ca.json and its append to issued.jsonl,
 * and the leaf would be recorded against a CA that no longer issues.
 *
 * The lock is `<caDir>/lock`, linked into place whole (so only one of two can create it) and holding the owner's pid, the kernel's start
 * time of that pid, the host and what it does. A lock whose owner is gone on this host (no such
 * pid, or the pid is another process now) is taken over; a live owner is waited for up to
 * `waitMs` (said once in the log, so a command that waits is not mistaken for a hung one), then the
 * error names it. The lock is re-entrant within one call chain (a revoke that
 * rotates, a renew that reads status), not within the process: serve runs a rotation and issues
 * leaves concurrently, and its issuance must not slip between a rotation step's read and write.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { errnoCode } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import { procStat, sameProcess } from '../platform/local/process.js';
import { tlsError } from './errors.js';

interface Owner {
  pid: number;
  start?: string | undefined;
  host: string;
  what: string;
  since: string;
}

/** The lock files the current call chain holds (async context, so concurrent chains do not share them). */
const holding = new AsyncLocalStorage<ReadonlySet<string>>();

async function readOwner(file: string): Promise<Owner | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Owner;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    // Not one we wrote (ours are linked into place whole): nobody holds it.
    return { pid: -1, host: hostname(), what: 'unreadable lock', since: '?' };
  }
}

function gone(o: Owner): boolean {
  return o.host === hostname() && (o.pid <= 0 || !sameProcess(o.pid, o.start));
}

export interface LockOptions {
  /** How long to wait for a live owner (default 2 minutes; 0: fail at once). */
  waitMs?: number | undefined;
  log?: Logger | undefined;
}

export const DEFAULT_LOCK_WAIT_MS = 120_000;

export async function withCaLock<T>(dir: string, what: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const file = join(dir, 'lock');
  const mine = holding.getStore();
  if (mine?.has(file)) return fn();
  if (!(await acquire(file, what, opts.waitMs ?? DEFAULT_LOCK_WAIT_MS, opts.log))) return fn();
  try {
    return await holding.run(new Set([...(mine ?? []), file]), fn);
  } finally {
    await rm(file, { force: true });
  }
}

async function acquire(file: string, what: string, waitMs: number, log: Logger | undefined): Promise<boolean> {
  const me: Owner = { pid: process.pid, start: procStat(process.pid)?.start, host: hostname(), what, since: new Date().toISOString() };
  const deadline = Date.now() + waitMs;
  let delay = 25;
  let said = false;
  for (;;) {
    // Written whole aside, then linked into place: the lock file never exists half-written.
    const tmp = `${file}.new-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(tmp, JSON.stringify(me) + '\n', { mode: 0o644 });
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return false;
      throw e;
    }
    try {
      await link(tmp, file);
      return true;
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw e;
    } finally {
      await rm(tmp, { force: true });
    }
    const owner = await readOwner(file);
    if (owner && gone(owner)) {
      // One rename wins per file; the loser simply retries the create.
      const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
      await rename(file, aside).then(() => rm(aside, { force: true }), () => undefined);
      continue;
    }
    const holder = `pid ${owner?.pid ?? '?'} on ${owner?.host ?? '?'} (${owner?.what ?? '?'}, since ${owner?.since ?? '?'})`;
    if (Date.now() >= deadline)
      throw tlsError(
        'TLS_CA_LOCKED',
        `CA directory ${join(file, '..')}: in use by ${holder}; try again when it is done`,
      );
    if (!said) {
      said = true;
      log?.warn(`CA directory ${join(file, '..')}: in use by ${holder}; waiting up to ${Math.round(waitMs / 1000)}s`);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(1000, delay * 2);
  }
}
