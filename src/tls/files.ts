/**
 * Crash-safe file writes for the CA directory: a file is written beside its target, fsynced and
 * renamed over it; a set of files (a CA generation, a staged leaf) is written into a temporary
 * directory that is renamed into place, so a crash leaves the old version or the new, never half.
 * Private keys are created 0600 from the first byte (never chmod-ed after the fact).
 */
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { syncDir, writeNewFile } from '../base/durable-files.js';
import { errnoCode, fromSystemError } from '../base/errors.js';
import { tlsError } from './errors.js';

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.tmp-${basename(path)}-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeNewFile(tmp, data, mode);
    await rename(tmp, path);
    await syncDir(dir);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw fromSystemError(`write ${path}`, e);
  }
}

/** Writes `files` (name → content; names ending in `.key` get 0600) as directory `dir`, atomically. */
export async function writeDirAtomic(dir: string, files: Record<string, string>): Promise<void> {
  const parent = dirname(dir);
  const tmp = join(parent, `.tmp-${basename(dir)}-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(tmp, { recursive: true, mode: 0o700 });
    for (const [name, content] of Object.entries(files))
      await writeNewFile(join(tmp, name), content, name.endsWith('.key') ? 0o600 : 0o644);
    await syncDir(tmp);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    await syncDir(parent);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw fromSystemError(`write ${dir}`, e);
  }
}

export async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw fromSystemError(`read ${path}`, e);
  }
}

/**
 * Reads a private key file, refusing one that others may read (the mode must give nothing to group
 * or others) or that is not a regular file. The error names the file, never the key.
 */
export async function readKeyFile(path: string): Promise<string> {
  let s;
  try {
    s = await stat(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT')
      throw tlsError('TLS_KEY_UNREADABLE', `read private key ${path}: no such file`);
    throw tlsError('TLS_KEY_UNREADABLE', `read private key ${path}: ${errnoCode(e) ?? 'cannot stat'}`, e);
  }
  if (!s.isFile()) throw tlsError('TLS_KEY_UNREADABLE', `read private key ${path}: not a regular file`);
  if ((s.mode & 0o077) !== 0)
    throw tlsError(
      'TLS_KEY_PERMISSIONS',
      `read private key ${path}: mode ${(s.mode & 0o777).toString(8).padStart(4, '0')} lets others read it; chmod 600 ${path}`,
    );
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw tlsError('TLS_KEY_UNREADABLE', `read private key ${path}: ${errnoCode(e) ?? 'unreadable'}`, e);
  }
}
