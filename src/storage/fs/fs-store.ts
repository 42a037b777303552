/**
 * A BlobStore on a local filesystem directory. put writes to a temporary file beside the target,
 * fsyncs it, and renames it into place, so a crash leaves no partial blob under its final name;
 * stray temporaries (".tmp-*") are ignored by list and removed by prune.
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat, link, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HoldfastError, errnoCode, fromSystemError, notFound } from '../../base/errors.js';
import { checkBlobName, type BlobData, type BlobInfo, type BlobStore, type PutOptions } from '../blob-store.js';
import { faultPoint } from '../../base/faults.js';

export const TEMP_PREFIX = '.tmp-';
/** Where packs are staged (putFile): inside the store, so storing one is a link, and ignored by list. */
export const STAGING_DIR = `${TEMP_PREFIX}staging`;
/** link() errors that mean "copy instead": another file system, or none that has hard links. */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK']);

/**
 * Open handles of recently read blobs, for ranged reads: a restore reads thousands of small
 * ranges from the same packs, and opening the pack for each range dominated its system time.
 * Blobs are immutable, so a cached handle can only go stale by deletion, which evicts it. Handles
 * idle for IDLE_MS are closed, so a store nobody closes (a long-running server) leaks nothing.
 */
const IDLE_MS = 2000;

/** Writes a blob's parts with vectored writes (libuv loops over IOV_MAX, not over short writes). */
async function writeAll(fh: FileHandle, data: BlobData): Promise<void> {
  if (data instanceof Uint8Array) return fh.writeFile(data);
  let parts = data.filter((p) => p.length > 0);
  while (parts.length > 0) {
    // A disk that fills up mid-write first returns a short count; the next call fails with ENOSPC,
    // which is what the caller must see (DISK_FULL), not a generic "short write".
    const { bytesWritten } = await fh.writev(parts);
    if (bytesWritten === 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    parts = after(parts, bytesWritten);
  }
}

/** The parts still to write once `n` bytes of them are written. */
function after(parts: readonly Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  while (i < parts.length && n >= parts[i]!.length) n -= parts[i++]!.length;
  return i < parts.length ? [parts[i]!.subarray(n), ...parts.slice(i + 1)] : [];
}

/** Brings a file's bytes to the disk, so a name given to it afterwards never names a partial file. */
async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

class HandleCache {
  private readonly handles = new Map<string, { fh: Promise<FileHandle>; used: number }>();
  private sweeper: NodeJS.Timeout | undefined;
  constructor(private readonly max = 32) {}

  get(path: string): Promise<FileHandle> {
    const hit = this.handles.get(path);
    if (hit) {
      hit.used = Date.now();
      return hit.fh;
    }
    const fh = open(path, 'r');
    fh.catch(() => this.handles.delete(path));
    this.handles.set(path, { fh, used: Date.now() });
    if (this.handles.size > this.max) this.evict(this.handles.keys().next().value as string);
    this.sweeper ??= setInterval(() => this.sweep(), IDLE_MS / 2).unref();
    return fh;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [path, h] of this.handles) if (now - h.used > IDLE_MS) this.evict(path);
    if (this.handles.size === 0) this.stop();
  }

  private stop(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Reads already started on the handle finish first: close waits a moment for them. */
  evict(path: string): void {
    const h = this.handles.get(path);
    if (!h) return;
    this.handles.delete(path);
    setTimeout(() => void h.fh.then((f) => f.close()).catch(() => {}), 500).unref();
  }

  async closeAll(): Promise<void> {
    this.stop();
    const all = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(all.map((h) => h.fh.then((f) => f.close()).catch(() => {})));
  }
}

export class FsBlobStore implements BlobStore {
  readonly location: string;
  readonly stagingDir: string;
  private readonly handles = new HandleCache();
  constructor(readonly root: string) {
    this.location = root;
    this.stagingDir = join(root, STAGING_DIR);
  }

  private path(name: string): string {
    checkBlobName(name);
    return join(this.root, ...name.split('/'));
  }

  async put(name: string, data: BlobData, options: PutOptions = {}): Promise<void> {
    await this.publish(name, options, async (tmp) => {
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await writeAll(fh, data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    });
  }

  /**
   * The file is fsynced and hard-linked as the temporary, so a pack staged in `stagingDir` is
   * stored without being read again; one on another file system (or one that has no hard links)
   * is copied. The caller removes `path`.
   */
  async putFile(name: string, path: string, _size: number, options: PutOptions = {}): Promise<void> {
    await this.publish(name, options, async (tmp) => {
      await syncFile(path);
      try {
        await link(path, tmp);
      } catch (e) {
        if (!NO_LINK.has(errnoCode(e) ?? '')) throw e;
        await copyFile(path, tmp, constants.COPYFILE_EXCL);
        await syncFile(tmp);
      }
    });
  }

  /**
   * Has `fill` create the blob as a temporary beside its target, then gives it its name: a crash
   * leaves no partial blob under its final name.
   */
  private async publish(name: string, options: PutOptions, fill: (tmp: string) => Promise<void>): Promise<void> {
    const target = this.path(name);
    // A replaced blob (config, locks) must not be read through the old file's cached handle.
    this.handles.evict(target);
    const dir = dirname(target);
    const tmp = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      await mkdir(dir, { recursive: true });
      await fill(tmp);
      // Every publish and delete is a fault point: the reliability suite kills at each in turn.
      await faultPoint(`fs:publish:${name.split('/')[0]}`);
      if (options.ifNotExists) {
        // link() fails if the target exists, which makes create-if-absent atomic.
        try {
          await link(tmp, target);
        } catch (e) {
          if (errnoCode(e) === 'EEXIST')
            throw new HoldfastError('BLOB_EXISTS', 'conflict', `write ${name} in ${this.location}: already exists`);
          throw e;
        } finally {
          await unlink(tmp).catch(() => {});
        }
      } else {
        await rename(tmp, target);
      }
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => {});
      throw fromSystemError(`write ${name} in ${this.location}`, e);
    }
  }

  async get(name: string, range?: { offset: number; length: number }): Promise<Buffer> {
    const p = this.path(name);
    if (range) return this.getRange(name, p, range);
    let fh;
    try {
      fh = await open(p, 'r');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') throw notFound('BLOB_NOT_FOUND', `read ${name} in ${this.location}: not found`);
      throw fromSystemError(`read ${name} in ${this.location}`, e);
    }
    try {
      return await fh.readFile();
    } catch (e) {
      throw fromSystemError(`read ${name} in ${this.location}`, e);
    } finally {
      await fh.close();
    }
  }

  private async getRange(name: string, p: string, range: { offset: number; length: number }): Promise<Buffer> {
    let fh: FileHandle;
    try {
      fh = await this.handles.get(p);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') throw notFound('BLOB_NOT_FOUND', `read ${name} in ${this.location}: not found`);
      throw fromSystemError(`read ${name} in ${this.location}`, e);
    }
    try {
      const buf = Buffer.allocUnsafe(range.length);
      const { bytesRead } = await fh.read(buf, 0, range.length, range.offset);
      return bytesRead === range.length ? buf : buf.subarray(0, bytesRead);
    } catch (e) {
      throw fromSystemError(`read ${name} in ${this.location}`, e);
    }
  }

  async stat(name: string): Promise<BlobInfo | undefined> {
    try {
      const s = await stat(this.path(name));
      return { name, size: s.size, modified: s.mtime };
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw fromSystemError(`stat ${name} in ${this.location}`, e);
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    // Prefixes are directory-aligned in practice ("data/", "snapshots/"); walk from the deepest
    // directory the prefix names and filter the rest by string comparison.
    const slash = prefix.lastIndexOf('/');
    const dirPart = slash >= 0 ? prefix.slice(0, slash) : '';
    const start = dirPart ? join(this.root, ...dirPart.split('/')) : this.root;
    yield* this.walk(start, dirPart, prefix);
  }

  private async *walk(dir: string, rel: string, prefix: string): AsyncIterable<BlobInfo> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return;
      throw fromSystemError(`list ${rel || '/'} in ${this.location}`, e);
    }
    for (const ent of entries) {
      if (ent.name.startsWith(TEMP_PREFIX)) continue;
      const name = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) {
        if (prefix.startsWith(name + '/') || name.startsWith(prefix) || prefix === '')
          yield* this.walk(join(dir, ent.name), name, prefix);
      } else if (ent.isFile() && name.startsWith(prefix)) {
        const s = await stat(join(dir, ent.name)).catch(() => undefined);
        if (s) yield { name, size: s.size, modified: s.mtime };
      }
    }
  }

  /** Temporaries are beside their targets, so every directory of the store is searched. */
  async sweepTemporaries(before: Date): Promise<number> {
    let removed = 0;
    const sweep = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const ent of entries) {
        const p = join(dir, ent.name);
        if (ent.isDirectory()) await sweep(p);
        else if (ent.name.startsWith(TEMP_PREFIX)) {
          const s = await stat(p).catch(() => undefined);
          if (s && s.mtime < before && (await rm(p, { force: true }).then(() => true, () => false))) removed++;
        }
      }
    };
    await sweep(this.root);
    return removed;
  }

  async close(): Promise<void> {
    await this.handles.closeAll();
  }

  async delete(name: string): Promise<void> {
    this.handles.evict(this.path(name));
    await faultPoint(`fs:delete:${name.split('/')[0]}`);
    try {
      await rm(this.path(name), { force: true });
    } catch (e) {
      throw fromSystemError(`delete ${name} in ${this.location}`, e);
    }
  }
}
