/**
 * restorer: writes a snapshot (or a path inside it) into a target directory.
 *
 * It trusts nothing in the snapshot: names were checked by parseTree; every file is created with
 * O_EXCL|O_NOFOLLOW and every directory is checked to be a real directory after creation, so a
 * symlink (planted in the target, or restored earlier from a crafted snapshot) can never redirect
 * a write outside the target. Every chunk is verified against its id before it is written. Chunks
 * of zeros are skipped and the file is truncated to size, which restores sparse files as sparse.
 * Before anything is written the trees are counted (expand.ts), so a snapshot that cannot fit the
 * target's filesystem, such as a crafted "tree bomb", is refused at once (room.ts).
 *
 * Extended attributes (POSIX ACLs among them) are set after an entry's owner, content and times
 * (setting them changes only the ctime, which no restore can set) and before its mode, as restic
 * does: the mode then has the last word over the ACL mask, and a file whose mode forbids writing
 * still takes `user.*` attributes from a restorer that is not root. A directory's attributes wait
 * for its children, so a default ACL is not inherited by files that did not have it. A target that
 * refuses attributes gets one warning per restore with a count (xattrs/write.ts).
 */
import { chmod, chown, lchown, link, lstat, lutimes, mkdir, readdir, rm, symlink, utimes } from 'node:fs/promises';
import { resolve } from 'node:path';
import { HoldfastError, conflict, corrupt, errnoCode, fromSystemError, invalidInput, notFound } from '../../base/errors.js';
import type { Repository } from '../repository/repository.js';
import { isSafeName, linkTargetBytes, parseTree, type Tree, type TreeNode } from '../snapshot/tree.js';
import { escapeName, nameBytes } from '../snapshot/names.js';
import type { SnapshotRef } from '../snapshot/snapshot.js';
import { Semaphore } from '../archiver/semaphore.js';
import { WritePool } from './write-pool.js';
import { expand } from './expand.js';
import { inodesAt, roomFor } from './room.js';
import { XattrWriter } from '../xattrs/write.js';
import { xattrsProblem } from '../snapshot/tree.js';

export interface RestoreProgress {
  files: number;
  bytes: number;
  totalBytes?: number;
}

export interface RestoreOptions {
  snapshot: SnapshotRef;
  /** A path inside the snapshot ("db/segments"); the whole snapshot when absent. */
  path?: string;
  target: string;
  /** Allow a non-empty target; existing entries that the snapshot names are replaced. */
  overwrite?: boolean;
  /**
   * With overwrite: also remove what the snapshot does not name, so the target holds exactly the
   * snapshot (an in-place restore: a file a later version created must not survive). Done per
   * directory once its children are restored, before its own metadata is applied.
   */
  deleteExtras?: boolean;
  onProgress?: (p: RestoreProgress) => void;
  onWarning?: (m: string) => void;
}

export interface RestoreResult {
  files: number;
  dirs: number;
  bytes: number;
  /** Entries removed by deleteExtras (a removed directory counts once). */
  removed?: number;
  /** Entries whose extended attributes the target refused (one warning says why). */
  xattrsNotRestored?: number;
}

/** At the top of a volume, entries the filesystem owns (ext4's lost+found): never removed, never compared. */
export const FILESYSTEM_OWNED: ReadonlySet<string> = new Set(['lost+found']);

/**
 * Paths are bytes: a snapshot's names need not be UTF-8 and are created exactly as stored
 * (names.ts); messages show them escaped.
 */
const SLASH = Buffer.from('/');
const child = (dir: Buffer, n: TreeNode) => Buffer.concat([dir, SLASH, nameBytes(n)]);
const show = (p: Buffer) => escapeName(p);

/**
 * Ownership is restored by whoever may: root, or a non-root process holding CAP_CHOWN (a data-mover
 * Job granted that capability). Anyone else keeps the files as their own and `--verify` reports it;
 * only root's failure to chown is an error.
 */
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
/**
 * Node's utimes takes seconds as a double, which holds about a quarter of a microsecond at
 * today's epoch and is truncated on the way to the kernel. Aiming at the middle of the recorded
 * microsecond makes the truncation land inside it: times are restored to microsecond precision.
 */
const nsToSeconds = (ns: string) => {
  const us = BigInt(ns) / 1000n;
  return Number(us / 1_000_000n) + (Number(us % 1_000_000n) + 0.5) / 1e6;
};

const FILES_IN_FLIGHT = 256;

export async function restore(repo: Repository, opts: RestoreOptions): Promise<RestoreResult> {
  const target = resolve(opts.target);
  const targetBytes = Buffer.from(target);
  const result: RestoreResult = { files: 0, dirs: 0, bytes: 0 };
  /**
   * Files handed to the pool at once: enough for a few batches per worker (write-pool.ts bounds the
   * bytes they hold); a file waiting here holds no plan yet. More did not keep the workers busier
   * and cost the main thread GC time: what is in flight survives its young-generation collections.
   */
  const slots = new Semaphore(FILES_IN_FLIGHT);
  /** First restored path of each hardlinked inode, resolved once that file is fully written. */
  const linked = new Map<string, Promise<Buffer>>();
  const dirMeta: { path: Buffer; node: TreeNode }[] = [];

  // Find the node the user asked for. A whole snapshot's root carries the source directory's own
  // metadata (a database directory is often 0700 and owned by its service user).
  const root = opts.snapshot.snapshot.root;
  const rootXattrsProblem = xattrsProblem(root?.xattrs);
  if (rootXattrsProblem) throw corrupt('SNAPSHOT_FORMAT', `restore ${opts.snapshot.id.slice(0, 8)}: its root directory has ${rootXattrsProblem}`);
  let node: TreeNode = { name: '', type: 'dir', mode: root?.mode ?? 0o755, uid: root?.uid ?? 0, gid: root?.gid ?? 0, mtimeNs: root?.mtimeNs ?? '0', subtree: opts.snapshot.snapshot.tree, ...(root?.xattrs ? { xattrs: root.xattrs } : {}) };
  let isRootDir = true;
  /** Trees named more than once (see expand.ts) are parsed once and kept. */
  let repeated = new Set<string>();
  const kept = new Map<string, Promise<Tree>>();
  const loadTree = (id: string): Promise<Tree> => {
    const k = kept.get(id);
    if (k) return k;
    const p = repo.loadBlob(id, 'tree').then((b) => parseTree(b, id));
    if (repeated.has(id)) kept.set(id, p);
    return p;
  };
  for (const part of (opts.path ?? '').split('/').filter(Boolean)) {
    if (!isSafeName(part)) throw invalidInput('RESTORE_PATH', `restore ${opts.path}: invalid path component ${JSON.stringify(part)}`);
    if (node.type !== 'dir') throw notFound('RESTORE_PATH', `restore ${opts.path}: ${part} is inside a ${node.type}, not a directory`);
    const t = await loadTree(node.subtree!);
    const next = t.nodes.find((n) => n.name === part);
    if (!next) throw notFound('RESTORE_PATH', `restore ${opts.path}: no ${part} in snapshot ${opts.snapshot.id.slice(0, 8)}`);
    node = next;
    isRootDir = false;
  }

  // Count before writing: a snapshot that cannot fit is refused with nothing written.
  if (node.type === 'dir') {
    const e = await expand(loadTree, node.subtree!);
    repeated = e.repeated;
    const { fits, room } = roomFor(e.entries, await inodesAt(target), !!opts.overwrite);
    if (!fits) {
      const what = `${opts.snapshot.id.slice(0, 8)}${opts.path ? `:${opts.path}` : ''}`;
      throw new HoldfastError('RESTORE_TOO_MANY_ENTRIES', 'resource', `restore ${what} to ${target}: it holds ${e.entries} files and directories, more than the ${room} ${opts.overwrite ? '' : 'free '}inodes of that filesystem (a snapshot whose trees repeat a subtree this often is damaged or crafted; restore a path inside it with <snapshot>:<path>, or restore elsewhere)`);
    }
  }

  await prepareTarget(target, !!opts.overwrite);
  const pool = new WritePool(repo);
  const xattrs = new XattrWriter();

  const writeFile = async (path: Buffer, n: TreeNode) => {
    const meta = { uid: n.uid, gid: n.gid, atime: nsToSeconds(n.atimeNs ?? n.mtimeNs), mtime: nsToSeconds(n.mtimeNs), strictChown: isRoot };
    // With attributes, the mode waits for them (see the top of this file).
    const size = await pool.writeFile(path, n.content ?? [], n.size, n.xattrs?.length ? meta : { ...meta, mode: n.mode });
    result.bytes += size;
    if (n.xattrs?.length)
      xattrs.add(path, n.xattrs, () =>
        chmod(path, n.mode).catch((e: unknown) => {
          throw fromSystemError(`set mode of ${show(path)}`, e);
        }),
      );
    result.files++;
    opts.onProgress?.({ files: result.files, bytes: result.bytes });
  };

  /**
   * The first failure of the whole restore: the walk stops starting entries, and it is raised
   * once everything started has settled.
   */
  let failure: { reason: unknown } | undefined;
  const fail = (e: unknown) => void (failure ??= { reason: e });

  /** Places a file or symlink; a directory goes through placeDir. */
  const place = async (path: Buffer, n: TreeNode): Promise<void> => {
    // Which hardlinked inode this is, decided before any await: the first path to get here writes
    // the content, and every later path (in any directory) links to it once it is written.
    const key = n.type === 'file' && n.links && n.links > 1 && n.inode !== undefined ? `${n.device}:${n.inode}` : undefined;
    const first = key ? linked.get(key) : undefined;
    let written: (p: Buffer) => void = () => {};
    let failedFirst: (e: unknown) => void = () => {};
    if (key && !first) {
      const done = new Promise<Buffer>((resolve, reject) => ((written = resolve), (failedFirst = reject)));
      done.catch(() => {});
      linked.set(key, done);
    }
    try {
      if (opts.overwrite) await clearForReplace(path, n.type);
      if (n.type === 'symlink') {
        await symlink(linkTargetBytes(n), path).catch((e: unknown) => {
          throw fromSystemError(`create symlink ${show(path)}`, e);
        });
        await lchown(path, n.uid, n.gid).catch(() => {});
        await lutimes(path, nsToSeconds(n.atimeNs ?? n.mtimeNs), nsToSeconds(n.mtimeNs)).catch(() => {});
        if (n.xattrs?.length) xattrs.add(path, n.xattrs);
      } else if (first) {
        await link(await first, path).catch((e: unknown) => {
          throw fromSystemError(`restore hardlink ${show(path)}`, e);
        });
      } else {
        await writeFile(path, n);
        written(path);
      }
    } catch (e) {
      failedFirst(e);
      throw e;
    }
  };

  /**
   * Creates a directory and walks it, depth first: files are handed to the pool as slots free up
   * and subdirectories are walked one at a time, but the walk does not wait for a directory's files
   * to be written before it goes on to the next one (waiting drained the pool at every directory:
   * one batch of a few dozen small files in flight, one worker busy). What the directory still
   * waits for is pushed to `parent` as a promise; once it settles, extras are removed and its
   * metadata is queued. Held meanwhile: the trees along the walk's path, and what the pending
   * directories need (their names, with deleteExtras), at most one per file in flight.
   */
  const placeDir = async (path: Buffer, n: TreeNode, parent: Promise<void>[]): Promise<void> => {
    if (opts.overwrite) await clearForReplace(path, n.type);
    await mkdir(path).catch((e: unknown) => {
      if (errnoCode(e) !== 'EEXIST') throw fromSystemError(`create directory ${show(path)}`, e);
    });
    await assertRealDir(path);
    await walkDir(path, n, parent);
  };

  const walkDir = async (path: Buffer, n: TreeNode, parent: Promise<void>[]): Promise<void> => {
    const t = await loadTree(n.subtree!);
    result.dirs++;
    const started: Promise<void>[] = [];
    for (const c of t.nodes) {
      if (failure) break;
      if (c.type === 'dir') {
        await placeDir(child(path, c), c, started).catch(fail);
        continue;
      }
      await slots.acquire();
      if (failure) {
        slots.release();
        break;
      }
      const p = place(child(path, c), c).finally(() => slots.release());
      p.catch(fail);
      started.push(p);
    }
    const named = opts.deleteExtras ? new Set(t.nodes.map((c) => nameBytes(c).toString('latin1'))) : undefined;
    const done = Promise.allSettled(started).then(async () => {
      if (failure) return;
      if (named) await deleteExtras(path, named);
      dirMeta.push({ path, node: n });
    });
    done.catch(fail);
    parent.push(done);
  };

  const deleteExtras = async (path: Buffer, named: Set<string>) => {
    for (const name of await readdir(path, { encoding: 'buffer' })) {
      if (named.has(name.toString('latin1')) || (path.equals(targetBytes) && FILESYSTEM_OWNED.has(name.toString()))) continue;
      const extra = Buffer.concat([path, SLASH, name]);
      // rm removes a symlink itself, never what it points to.
      await rm(extra, { recursive: true, force: true }).catch((e: unknown) => {
        throw fromSystemError(`remove ${show(extra)} (not in snapshot ${opts.snapshot.id.slice(0, 8)})`, e);
      });
      result.removed = (result.removed ?? 0) + 1;
    }
  };

  /** The whole restore: settles only once nothing it started is still writing. */
  const walk = async () => {
    const top: Promise<void>[] = [];
    if (node.type === 'dir') await walkDir(targetBytes, node, top).catch(fail);
    else top.push(place(child(targetBytes, node), node).catch(fail));
    await Promise.allSettled(top);
    if (failure) throw failure.reason;
  };

  try {
    await walk();
  } catch (e) {
    // Nothing may still be writing after restore returns, a failed one included.
    await xattrs.flush().catch(() => {});
    throw e;
  } finally {
    await pool.close();
  }
  for (const { path, node: d } of dirMeta) if (d.xattrs?.length && !(path.equals(targetBytes) && isRootDir && !root)) xattrs.add(path, d.xattrs);
  await xattrs.flush();
  const refused = xattrs.warning();
  if (refused) {
    result.xattrsNotRestored = xattrs.failures;
    opts.onWarning?.(refused);
  }
  // Directory metadata last: writing children changes a directory's mtime.
  for (const { path, node: d } of dirMeta.reverse()) {
    if (path.equals(targetBytes) && isRootDir && !root) continue;
    // A directory this user does not own (a volume's root made by root, a data mover without
    // CAP_FOWNER) refuses chmod: that is a missing permission to report, not a bug.
    try {
      await chown(path, d.uid, d.gid).catch(() => {});
      await chmod(path, d.mode);
      await utimes(path, nsToSeconds(d.atimeNs ?? d.mtimeNs), nsToSeconds(d.mtimeNs));
    } catch (e) {
      throw fromSystemError(`set mode and times of directory ${show(path)}`, e);
    }
  }
  return result;
}

async function prepareTarget(target: string, overwrite: boolean): Promise<void> {
  try {
    const st = await lstat(target);
    if (!st.isDirectory()) throw invalidInput('RESTORE_TARGET', `restore to ${target}: exists and is not a directory`);
    if (!overwrite && (await readdir(target)).length > 0)
      throw conflict('RESTORE_TARGET_NOT_EMPTY', `restore to ${target}: directory is not empty (use --overwrite to restore into it)`);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw fromSystemError(`restore to ${target}`, e);
    await mkdir(target, { recursive: true, mode: 0o700 }).catch((e2: unknown) => {
      throw fromSystemError(`create restore target ${target}`, e2);
    });
  }
}

async function assertRealDir(path: Buffer): Promise<void> {
  const st = await lstat(path);
  if (!st.isDirectory()) throw corrupt('RESTORE_ESCAPE', `restore ${show(path)}: is not a directory after creation; refusing to write through it`);
}

/** In overwrite mode: remove whatever stands where the snapshot puts an entry of another kind. */
async function clearForReplace(path: Buffer, want: TreeNode['type']): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return;
  if (want === 'dir' && st.isDirectory()) return;
  await rm(path, { recursive: true, force: true });
}
