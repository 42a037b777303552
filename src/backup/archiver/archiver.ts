/**
 * archiver: turns a directory into a snapshot. It walks the tree on the main thread, sends files
 * to the chunk workers, and writes one tree blob per directory, bottom-up. Files whose (size,
 * mtime, ctime, inode) match the parent snapshot are not read at all: their chunk list is reused.
 *
 * Sockets, FIFOs and devices are skipped with a warning; a file that vanishes mid-walk is skipped
 * too (live volumes change). An entry the backup may not read (permission denied, a path longer
 * than PATH_MAX) is skipped with a warning and listed in the summary, as restic and kopia do;
 * `failOnUnreadable` makes it fail the backup instead. A file is read no further than the size
 * its lstat gave, so a file that grows faster than it is read still ends; one that changes while
 * it is read is stored as read, with a warning (see changed.ts).
 *
 * Extended attributes (and the POSIX ACLs among them) are read in one pass over the source just
 * before the walk (xattrs/read.ts); an entry whose ctime says it changed after the pass began (a
 * file created or relabelled meanwhile) is read again, in one batch per directory. An entry whose
 * attributes cannot be read is stored without them and counted like an unreadable entry (fatal
 * with `failOnUnreadable`); when getfattr is missing the backup says so once, in a warning and in
 * the summary.
 */
import { lstat, readdir, readlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { lstatSync, type BigIntStats } from 'node:fs';
import { authFailed, errnoCode, fromSystemError, invalidInput, isHoldfastError } from '../../base/errors.js';
import type { Repository } from '../repository/repository.js';
import { parseTree, encodeTree, type Tree, type TreeNode } from '../snapshot/tree.js';
import { isUtf8, makeNamesUnique, nameKey, nodeName } from '../snapshot/names.js';
import { saveSnapshot, type Snapshot } from '../snapshot/snapshot.js';
import { provenanceSchema, type Provenance } from '../snapshot/provenance.js';
import { faultPoint } from '../../base/faults.js';
import { changedWhileRead } from './changed.js';
import { shortPath, unreadableReason } from './unreadable.js';
import { ChunkPool } from './chunk-pool.js';
import { excludeMatcher } from './excludes.js';
import { Semaphore, mapLimit } from './semaphore.js';
import { ByteBudget } from '../restorer/byte-budget.js';
import { scanXattrs, type XattrScan } from '../xattrs/read.js';
import type { Xattr } from '../xattrs/format.js';
import { WalkSignals } from './signals.js';
import { defaultSignalThresholds, judgeSignals, type ChangeSignals, type SignalThresholds } from '../../policy/change-signals.js';

export interface BackupProgress {
  files: number;
  dirs: number;
  bytes: number;
  bytesRead: number;
  bytesAdded: number;
  currentPath?: string;
}

export interface BackupOptions {
  source: string;
  tags?: string[];
  provenance?: Partial<Provenance>;
  excludes?: string[];
  /** Parent snapshot to compare against; the caller picks it (latest with the same paths). */
  parent?: { id: string; snapshot: Snapshot };
  onProgress?: (p: BackupProgress) => void;
  onWarning?: (message: string) => void;
  /**
   * Fail the backup at the first entry it may not read (permission denied, path too long) instead
   * of skipping it with a warning; no snapshot is written then.
   */
  failOnUnreadable?: boolean;
  threads?: number;
  now?: () => Date;
  /**
   * The change signals of the volume's earlier backups, oldest first: this backup's are judged
   * against them (policy/change-signals.ts) and the judgement is stored in the snapshot.
   */
  signalHistory?: readonly ChangeSignals[];
  signalThresholds?: SignalThresholds;
  /** The attribute pass, when the caller started it early (startAttributePass); else it starts here. */
  attributePass?: AttributePass;
}

/** The one pass over the source's extended attributes (xattrs/read.ts), and when it began. */
export interface AttributePass {
  startedNs: bigint;
  scan: Promise<XattrScan>;
}

/**
 * Starts the attribute pass over `source`. A caller with other work before the walk (runBackup
 * locks, reads the index and the snapshots) starts it first: getfattr over 20,000 entries takes
 * 0.2 s, which the walk waited for.
 */
export function startAttributePass(source: string): AttributePass {
  // A second of margin: the kernel stamps ctime from a clock that may lag the wall clock by a tick.
  const startedNs = BigInt(Date.now() - 1000) * 1_000_000n;
  const scan = scanXattrs(Buffer.from(resolve(source)));
  // Awaited by the backup; one that fails before its walk never asks.
  scan.catch(() => {});
  return { startedNs, scan };
}

export interface BackupResult {
  snapshotId: string;
  snapshot: Snapshot;
  /** Entries skipped because they could not be read (also in the snapshot's summary.skipped). */
  unreadable: number;
}

const ns = (v: bigint) => v.toString();
/** See `walkers` in backup(): 8 kept fewer than 8 files in flight 6 % of the time, against 40 % with none. */
const WALKERS = 8;
const SLASH = Buffer.from('/');

/** An entry the walk keeps, waiting for its attributes. */
interface Found {
  node: { xattrs?: Xattr[] };
  abs: Buffer;
  rel: string;
  ctimeNs: bigint;
}

/**
 * An entry whose work (a read, a subdirectory) has begun: `node` settles once that work is done, and
 * never rejects. An entry with nothing to wait for is its node itself: a promise per unchanged file
 * would cost the walk of an unchanged volume, which is little else.
 */
class Pending {
  constructor(readonly node: Promise<TreeNode | undefined>) {}
}

/** A file's content as read, its length, and whether it changed under the reader. */
interface FileRead {
  content: string[];
  size: number;
  changed: boolean;
}

export async function backup(repo: Repository, opts: BackupOptions): Promise<BackupResult> {
  const now = opts.now ?? (() => new Date());
  const startedAt = now();
  const source = resolve(opts.source);
  const rootStat = await lstat(source, { bigint: true }).catch((e: unknown) => {
    throw fromSystemError(`back up ${source}`, e);
  });
  if (!rootStat.isDirectory()) throw invalidInput('SOURCE_NOT_DIR', `back up ${source}: not a directory`);
  const provenance = provenanceSchema.parse({ volume: undefined, ...opts.provenance });

  // Started at the first file to read: a backup with nothing new never pays for the worker
  // isolates (their start-up and ~40 MiB each) nor for the known-id table, whose size is the index's.
  let pool: ChunkPool | undefined;
  const chunkPool = async (): Promise<ChunkPool> => {
    if (pool) return pool;
    pool = new ChunkPool(repo, opts.threads);
    await faultPoint('archiver:workers-started');
    return pool;
  };
  // Files read or waiting for a worker. 1,024 let the walk of the synthetic incremental get
  // further past its changed segments (the walk ended 90-170 ms after the last one, against 250-280
  // with 32) but raised the initial backup's peak RSS by 30-60 MiB (more objects live across young
  // collections); memory for file data is bounded by the workers' buffers, not by this count.
  const fileSlots = new Semaphore(32);
  // The parent's trees that directories waiting for their reads hold (parsed, and their bytes for
  // the comparison at the end): with the walk ahead of the reads, at most this much, whatever the
  // directories' sizes. The synthetic set's directories of 50 small files are ~15 KiB each.
  const heldTrees = new ByteBudget(8 * 1024 * 1024);
  // Directories listed beside the one-at-a-time path of each parent, so the listing of one does not
  // wait for the next (the file slots drained at the end of every directory of the bench's 20,000
  // small files when each was walked alone). Shared by the whole walk and only ever taken when
  // free, so a parent waiting for its children cannot starve them: at most (WALKERS + depth)
  // directories are being listed at once; those waiting for reads are bounded by the file slots.
  const walkers = new Semaphore(WALKERS);
  const exclude = excludeMatcher(opts.excludes ?? []);
  const progress: BackupProgress = { files: 0, dirs: 0, bytes: 0, bytesRead: 0, bytesAdded: 0 };
  const skipped: string[] = [];
  let unchanged = 0;
  const changes = new WalkSignals();
  const hardlinks = new Map<string, Promise<FileRead | undefined>>();
  const warn = (m: string) => {
    skipped.push(m);
    opts.onWarning?.(m);
  };
  let unreadable = 0;
  /** An entry the backup may not read: skipped with a warning, or fatal when the caller says so. */
  const cannotRead = (rel: string, action: string, e: unknown): undefined => {
    const reason = unreadableReason(errnoCode((e as { cause?: unknown }).cause) ?? errnoCode(e));
    if (!reason || opts.failOnUnreadable) throw fromSystemError(`${action} ${shortPath(rel)}`, e);
    unreadable++;
    warn(`skipped ${shortPath(rel)}: ${reason}`);
    return undefined;
  };
  const report = () => {
    progress.bytesRead = pool?.bytesRead ?? 0;
    progress.bytesAdded = repo.stats.bytesUploaded;
    opts.onProgress?.({ ...progress });
  };
  const ticker = opts.onProgress ? setInterval(report, 250) : undefined;
  const sourceBytes = Buffer.from(source);
  const pass = opts.attributePass ?? startAttributePass(source);
  const scanStartedNs = pass.startedNs;
  const xattrScan = await pass.scan;
  if (xattrScan.unavailable) warn(`extended attributes and ACLs are not recorded: ${xattrScan.unavailable}`);
  await faultPoint('archiver:xattrs-scanned');
  /** Gives `node` the attributes `scan` found for the entry; a read error makes it an unreadable entry. */
  const attach = (node: { xattrs?: Xattr[] }, e: Found, scan: XattrScan) => {
    const key = e.abs.subarray(sourceBytes.length + 1).toString('latin1');
    const reason = scan.errors.get(key);
    if (reason) {
      // Fatal like an unreadable file: the same kind, so the same exit code (3).
      if (opts.failOnUnreadable) throw authFailed('XATTR_UNREADABLE', `read extended attributes of ${shortPath(e.rel || '.')}: ${reason}`);
      unreadable++;
      warn(`${shortPath(e.rel || '.')}: stored without its extended attributes: ${reason}`);
    }
    const xattrs = scan.byPath.get(key);
    scan.byPath.delete(key);
    if (xattrs?.length) node.xattrs = xattrs;
    else delete node.xattrs;
  };
  /** Attributes for the entries of one directory: from the pass, or read again when changed since it began. */
  const settle = async (found: Found[]) => {
    const late = xattrScan.unavailable ? [] : found.filter((e) => e.ctimeNs >= scanStartedNs);
    // A set: in a directory of 20k entries being written to, most are late and includes() is quadratic.
    const rescan = new Set(late);
    for (const e of found) if (!rescan.has(e)) attach(e.node, e, xattrScan);
    if (!late.length) return;
    await faultPoint('archiver:xattrs-rescan');
    const again = await scanXattrs(sourceBytes, late.map((e) => e.abs));
    for (const e of late) attach(e.node, e, again.unavailable ? xattrScan : again);
  };

  /** The parent's entries by name bytes, and its tree's bytes when it could be read. */
  const loadParentTree = async (id: string | undefined): Promise<{ nodes: Map<string, TreeNode>; raw?: Buffer }> => {
    // A parent tree that is lost or damaged only costs the shortcut: this directory is read in full.
    if (!id || !repo.has(id)) return { nodes: new Map() };
    const read = await repo.loadBlob(id, 'tree').then((raw) => ({ raw, tree: parseTree(raw, id) })).catch((e: unknown) => {
      if (isHoldfastError(e) && e.kind === 'corrupt') return undefined;
      throw e;
    });
    return { nodes: new Map(read?.tree.nodes.map((n) => [nameKey(n), n])), raw: read?.raw };
  };

  /**
   * The first failure of the whole walk: no entry is started after it, and it is raised once
   * everything started has settled, so no file is still being read when backup returns.
   */
  let failure: { reason: unknown } | undefined;
  const fail = (e: unknown) => void (failure ??= { reason: e });
  /** Work begun for an entry; its failure is noted and makes the entry undefined. */
  const begun = (node: Promise<TreeNode | undefined>): Pending =>
    new Pending(
      node.catch((e: unknown) => {
        fail(e);
        return undefined;
      }),
    );

  /** Resolves once the file needs nothing more or its read has a slot; `node` once it is read. */
  const fileNode = async (
    abs: Buffer,
    rel: string,
    st: BigIntStats,
    base: TreeNode,
    prev?: TreeNode,
  ): Promise<TreeNode | Pending> => {
    const size = Number(st.size);
    const same =
      prev?.type === 'file' &&
      prev.size === size &&
      prev.mtimeNs === ns(st.mtimeNs) &&
      prev.ctimeNs === ns(st.ctimeNs) &&
      prev.inode === Number(st.ino) &&
      prev.content !== undefined &&
      // Reused content must still be stored (a damaged index segment or a prune's plan can lose it).
      prev.content.every((id) => repo.has(id));
    progress.files++;
    progress.bytes += size;
    if (same) {
      unchanged++;
      base.size = size;
      base.content = prev.content;
      return base;
    }
    const linkKey = st.nlink > 1n ? `${st.dev}:${st.ino}` : undefined;
    /** Reads the file in the slot the caller acquired. */
    const read = async (): Promise<FileRead | undefined> => {
      try {
        // Nothing more is read once the backup has failed.
        if (failure) return undefined;
        progress.currentPath = rel;
        await faultPoint('archiver:before-read');
        const r = await (await chunkPool()).chunkFile(abs, size);
        const changed = changedWhileRead({ size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino }, r.after, r.size);
        if (changed) warn(`${rel} changed while being read; stored as read`);
        return { content: r.content, size: r.size, changed };
      } catch (e) {
        if (errnoCode((e as { cause?: unknown }).cause) === 'ENOENT') {
          warn(`skipped ${rel}: removed during backup`);
          return undefined;
        }
        return cannotRead(rel, 'read', e);
      } finally {
        fileSlots.release();
      }
    };
    // A hardlinked inode is read once, by the first of its paths; the others wait for that read.
    // Claimed before any await, so a later path in any directory finds it.
    let reading = linkKey ? hardlinks.get(linkKey) : undefined;
    let slot: Promise<void> | undefined;
    if (!reading) {
      slot = fileSlots.acquire();
      reading = slot.then(read);
      if (linkKey) hardlinks.set(linkKey, reading);
    }
    // The walk goes on once the read has its slot: at most the slots' files are read or waiting.
    await slot;
    return begun(
      reading.then((r) => {
        if (!r) {
          progress.files--;
          progress.bytes -= size;
          return undefined;
        }
        // The size is what was read, so the content and the size always agree. A file that changed
        // under the reader keeps its mtime from before the read and gets no ctimeNs: a node without
        // ctimeNs never matches a later lstat, so the next backup reads the file again.
        progress.bytes += r.size - size;
        changes.read(prev);
        base.size = r.size;
        base.content = r.content;
        if (r.changed) delete base.ctimeNs;
        return base;
      }),
    );
  };

  /**
   * Walks a directory, depth first: lists it, stats its entries, starts reading the files that
   * changed and walks its subdirectories, one at a time; `listed` is called once all of that has
   * begun, and the tree id follows once every read is done (undefined when the directory was
   * skipped, unreadable or gone). The walk does not wait for a directory's reads before the next
   * directory: waiting left the walk idle behind a large file (the synthetic set's 1,000 changed
   * small files were walked only after its changed segments were read) and the workers idle while
   * the walk went on. What is held meanwhile: the directories that wait for a read, at most one per
   * read slot, with their parents.
   */
  // Paths are bytes from here on: a name that is not UTF-8 would not survive a string (names.ts).
  const walk = async (abs: Buffer, rel: string, parentSubtree: string | undefined, listed: () => void = () => {}): Promise<string | undefined> => {
    // Names as latin1 strings, one character per byte: they sort as the bytes do, natively, and
    // key the parent's entries as they are (nameKey); a Buffer per name made in readdir cost more.
    // The parent's tree is read while the directory is listed: on a loaded machine each wait for
    // the thread pool costs more than the work, and a walk of an unchanged volume is little else.
    const parentTree = loadParentTree(parentSubtree);
    // Awaited below; a directory that cannot be listed does not need it.
    parentTree.catch(() => {});
    let names: string[];
    try {
      names = (await readdir(abs, { encoding: 'latin1' })).sort();
    } catch (e) {
      if (!rel) throw fromSystemError(`read directory ${source}`, e);
      if (errnoCode(e) === 'ENOENT') {
        warn(`skipped ${rel}: removed during backup`);
        return undefined;
      }
      return cannotRead(rel, 'read directory', e);
    }
    progress.dirs++;
    const parent = await parentTree;
    // A bounded number of entries per directory at a time: with all of them at once, a directory
    // of 20k files held 20k pending stats and closures (100 MB of heap) for no extra speed.
    const found: Found[] = [];
    // One subdirectory at a time per directory, besides those the shared `walkers` let run: with 32
    // at every depth, a tree of 50 × 7 directories had 7,000 files stat'ed and waiting for a read
    // slot (the main heap peaked at 150 MiB on a 20,000-file volume).
    const subdirs = new Semaphore(1);
    const entry = async (key: string): Promise<TreeNode | Pending | undefined> => {
      if (failure) return undefined;
      const name = Buffer.from(key, 'latin1');
      const childAbs = Buffer.concat([abs, SLASH, name]);
      const named = nodeName(name);
      const childRel = rel ? `${rel}/${named.name}` : named.name;
      if (exclude(childRel)) return undefined;
      // Synchronous: a cached inode's lstat costs a system call, while the promise form cost three
      // times the CPU (the thread pool's round trip), and the walk of an unchanged volume is little else.
      let st: BigIntStats | undefined;
      try {
        st = lstatSync(childAbs, { bigint: true, throwIfNoEntry: false });
      } catch (e) {
        return cannotRead(childRel, 'stat', e);
      }
      if (!st) return undefined;
      // One literal, completed by assignment below: object spreads here cost 8 µs an entry, more
      // than the lstat. The keys' order is the tree's encoding (encodeTree), which unchanged
      // directories must reproduce byte for byte: name, nameRaw, type, ..., then what the type
      // adds. An undefined nameRaw is left out of the encoding, as JSON leaves out every undefined.
      const base: TreeNode = {
        name: named.name,
        nameRaw: named.nameRaw,
        type: 'file',
        mode: Number(st.mode & 0o7777n),
        uid: Number(st.uid),
        gid: Number(st.gid),
        mtimeNs: ns(st.mtimeNs),
        ctimeNs: ns(st.ctimeNs),
        inode: Number(st.ino),
        device: Number(st.dev),
        links: Number(st.nlink),
      };
      // Attributes only for an entry that is kept: a skipped one has had its warning.
      const kept = (n: TreeNode | undefined): TreeNode | undefined => {
        if (n) found.push({ node: n, abs: childAbs, rel: childRel, ctimeNs: st.ctimeNs });
        return n;
      };
      const prev = parent.nodes.get(key);
      if (st.isDirectory()) {
        const beside = walkers.tryAcquire();
        if (!beside) await subdirs.acquire();
        let started!: () => void;
        const begins = new Promise<void>((r) => (started = r));
        const subtree = walk(childAbs, childRel, prev?.type === 'dir' ? prev.subtree : undefined, started);
        // A subdirectory skipped or failed before its entries began never calls `started`.
        await Promise.race([begins, subtree.catch(() => {})]);
        (beside ? walkers : subdirs).release();
        return begun(
          subtree.then((id) => {
            if (!id) return undefined;
            base.type = 'dir';
            base.subtree = id;
            return kept(base);
          }),
        );
      }
      if (st.isSymbolicLink()) {
        const target = await readlink(childAbs, { encoding: 'buffer' }).catch((e: unknown) => (errnoCode(e) === 'ENOENT' ? undefined : cannotRead(childRel, 'read symlink', e)));
        if (target === undefined) return undefined;
        base.type = 'symlink';
        base.linkTarget = target.toString('utf8');
        if (!isUtf8(target)) base.linkTargetRaw = target.toString('base64');
        return kept(base);
      }
      if (st.isFile()) {
        const file = await fileNode(childAbs, childRel, st, base, prev);
        return file instanceof Pending ? new Pending(file.node.then(kept)) : kept(file);
      }
      warn(
        `skipped ${childRel}: ${st.isSocket() ? 'socket' : st.isFIFO() ? 'FIFO' : 'device'} files are not backed up`,
      );
      return undefined;
    };
    // An entry that fails (with failOnUnreadable) ends the walk like a failed read.
    const entries = await mapLimit(names, 32, (key) => entry(key).catch((e: unknown) => begun(Promise.reject(e))));
    // Taken before the walk goes on, and only once every entry has begun: a directory that holds
    // it waits for reads and subdirectories that hold theirs already, so none can deadlock.
    const held = entries.some((e) => e instanceof Pending) ? (parent.raw?.length ?? 0) : 0;
    if (held) await heldTrees.acquire(held);
    listed();
    try {
      const nodes: (TreeNode | undefined)[] = [];
      for (const e of entries) nodes.push(e instanceof Pending ? await e.node : e);
      // After a failure anywhere, no tree is saved; everything started has settled by now.
      if (failure) throw failure.reason;
      await settle(found);
      const tree: Tree = { nodes: nodes.filter((n): n is TreeNode => n !== undefined) };
      makeNamesUnique(tree.nodes);
      changes.directory(parent.nodes, tree.nodes);
      const encoded = encodeTree(tree);
      // An unchanged directory encodes to its parent tree's bytes, which loadParentTree verified
      // against that id: the id is known without hashing or a lookup per directory.
      if (parentSubtree && parent.raw?.equals(encoded)) return parentSubtree;
      return (await repo.saveBlob('tree', encoded)).id;
    } finally {
      if (held) heldTrees.release(held);
    }
  };

  try {
    const rootTree = (await walk(sourceBytes, '', opts.parent?.snapshot.tree))!;
    // The root's ctime moves with every entry made in it: its attributes are always read again.
    const root: NonNullable<Snapshot['root']> = { mode: Number(rootStat.mode & 0o7777n), uid: Number(rootStat.uid), gid: Number(rootStat.gid), mtimeNs: ns(rootStat.mtimeNs) };
    // The root's attributes are read while the workers hand over their last blobs: 10-15 ms of
    // getfattr that came after the walk, before them.
    await Promise.all([settle([{ node: root, abs: sourceBytes, rel: '', ctimeNs: scanStartedNs }]), pool?.finish()]);
    // Every upload ends before the pool goes: closing removes what is left in its staging, and a
    // pack handed to the repository is still being stored from its staged file.
    await repo.flush();
    await pool?.close();
    report();
    const signals = changes.finish(progress.files, pool?.bytesRead ?? 0, pool?.signals, !opts.parent);
    const history = (opts.signalHistory ?? []).filter((h) => !h.initial).slice(-(opts.signalThresholds ?? defaultSignalThresholds).historyWindow);
    const snapshot: Snapshot = {
      version: 1,
      time: startedAt.toISOString(),
      host: hostname(),
      paths: [source],
      tree: rootTree,
      root,
      ...(opts.parent ? { parent: opts.parent.id } : {}),
      tags: opts.tags ?? [],
      provenance,
      summary: {
        startedAt: startedAt.toISOString(),
        finishedAt: now().toISOString(),
        files: progress.files,
        dirs: progress.dirs,
        filesUnchanged: unchanged,
        bytes: progress.bytes,
        bytesRead: pool?.bytesRead ?? 0,
        bytesAdded: repo.stats.bytesUploaded,
        blobsNew: repo.stats.blobsNew,
        packsWritten: repo.stats.packsWritten,
        skipped,
      },
      signals,
      suspicion: judgeSignals(signals, history, opts.signalThresholds),
      signalHistory: history,
    };
    const snapshotId = await saveSnapshot(repo, snapshot);
    return { snapshotId, snapshot, unreadable };
  } finally {
    if (ticker) clearInterval(ticker);
    await pool?.close().catch(() => {});
  }
}
