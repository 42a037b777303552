/**
 * check: proves a repository restorable, and when it is not, says exactly what is lost.
 *
 * Terms: a *copy* is one blob in one pack (a repack or two concurrent writers leave several); a
 * copy is *bad* when its pack is missing, truncated before it, or (with `readData`) it fails to
 * decrypt or verify. A blob is *lost* when it has no good copy; only lost blobs cost files.
 *
 * The structural check lists the store and compares every pack's size with the size its index
 * entries imply, follows every snapshot to every blob, and reads the header of each pack no index
 * names (a damaged or deleted segment hides packs whose data snapshots still need). `readData`
 * also downloads every pack, checks its name (SHA-256), its header and every blob.
 * A damaged pack whose blobs all have intact copies elsewhere is a notice; one that costs files is
 * an error naming the pack, the snapshots and files, and what to do.
 */
import { createHash } from 'node:crypto';
import type { Repository } from '../repository/repository.js';
import { isDamage } from '../repository/repository.js';
import { expectedPackSize, packName, readPackHeader } from '../pack/pack.js';
import { listSnapshots } from '../snapshot/snapshot.js';
import { parseTree } from '../snapshot/tree.js';

/** Entries walked in directories with damage below them before naming more affected files stops. */
const MAX_DAMAGED_REVISITS = 1_000_000;

export interface CheckProblem {
  kind:
    | 'missing-pack'
    | 'missing-blob'
    | 'damaged-pack'
    | 'damaged-blob'
    | 'unreadable-snapshot'
    | 'unindexed-pack'
    | 'index-incomplete'
    | 'damaged-index'
    | 'damaged-plan';
  object: string;
  message: string;
  /** Files (snapshot id:path) whose content is affected. */
  affects?: string[];
}

export interface CheckReport {
  snapshots: number;
  packs: number;
  blobs: number;
  readData: boolean;
  bytesRead: number;
  errors: CheckProblem[];
  /** Not damage, or damage that costs nothing: packs left by an interrupted backup, damaged copies with an intact twin. */
  notices: CheckProblem[];
}

type ProblemSink = (pack: string, kind: PackProblem['kind'], reason: string, bad: Iterable<string>, structural?: boolean) => void;

/** What is wrong with one pack, and which of its copies cannot be used because of it. */
interface PackProblem {
  kind: 'missing-pack' | 'damaged-pack';
  reasons: string[];
  badCopies: Set<string>;
  /** The pack's size or header is wrong: it cannot be re-indexed from itself, even if no blob is lost. */
  structural: boolean;
}

export async function checkRepository(repo: Repository, opts: { readData?: boolean; onProgress?: (done: number, total: number) => void } = {}): Promise<CheckReport> {
  // Snapshots first, then the index, then the packs: a snapshot is written after its segments and a
  // segment after its pack, so a backup finishing meanwhile cannot look like missing data.
  const snaps = await listSnapshots(repo);
  await repo.loadIndex();
  const report: CheckReport = { snapshots: snaps.length, packs: 0, blobs: repo.index.blobCount, readData: !!opts.readData, bytesRead: 0, errors: [], notices: [] };
  const stored = new Map<string, number>();
  for await (const b of repo.store.list('data/')) stored.set(b.name.slice(b.name.lastIndexOf('/') + 1), b.size);
  report.packs = stored.size;

  const problems = new Map<string, PackProblem>();
  const problem: ProblemSink = (pack, kind, reason, bad, structural = false) => {
    const p = problems.get(pack) ?? { kind, reasons: [], badCopies: new Set<string>(), structural: false };
    p.reasons.push(reason);
    p.structural ||= structural;
    for (const id of bad) p.badCopies.add(id);
    problems.set(pack, p);
  };
  const byPack = repo.index.byPack();
  for (const [pack, blobs] of byPack) {
    const size = stored.get(pack);
    const short = pack.slice(0, 12);
    if (size === undefined) {
      problem(pack, 'missing-pack', `pack ${short} is in the index but not in the store`, blobs.map((b) => b.id));
      continue;
    }
    // Only shorter is damage: after 'repair index --read-all-data' the index may list a subset of
    // a pack's blobs (the damaged copies dropped), which implies a smaller size; bytes added to a
    // pack are caught by --read-data's hash.
    const expected = expectedPackSize(blobs.map((b) => ({ ...b.loc, id: b.id })));
    if (size < expected) {
      const cut = blobs.filter((b) => b.loc.offset + b.loc.length > size).map((b) => b.id);
      problem(pack, 'damaged-pack', `pack ${short} is ${size} bytes, its index entries say ${expected} (truncated)`, cut, true);
    }
  }

  if (opts.readData) await readAllPacks(repo, stored, byPack, problem, report, opts.onProgress);

  // Packs no index names: their headers say whether snapshots still need them.
  const unindexed = new Map<string, string>();
  for (const [pack, size] of stored) {
    if (repo.index.packs.has(pack)) continue;
    try {
      for (const b of await repo.packHeader(pack, size)) unindexed.set(b.id, pack);
    } catch (e) {
      if (!isDamage(e)) throw e;
      report.errors.push({ kind: 'unindexed-pack', object: pack, message: `pack ${pack.slice(0, 12)} is in no index and its header cannot be read (${e.message}); what it held is lost unless stored elsewhere` });
    }
  }

  const bad = (id: string, pack: string) => problems.get(pack)?.badCopies.has(id) ?? false;
  /** Files that lose data, by the pack (damaged or unindexed) that explains it. */
  const affected = new Map<string, Set<string>>();
  const affect = (pack: string, file: string) => {
    const set = affected.get(pack) ?? new Set<string>();
    set.add(file);
    affected.set(pack, set);
  };
  const used = new Set<string>();
  /** Blobs no index and no pack has, with the files that need them (one error per blob, not per use). */
  const missing = new Map<string, { first: string; files: Set<string> }>();
  /** Records what a blob's state costs `file`; true when the blob cannot be read. */
  const visitBlob = (id: string, file: string, label: string, path: string): boolean => {
    used.add(id);
    const copies = repo.index.copies(id);
    if (copies.length === 0) {
      const holder = unindexed.get(id);
      if (holder) affect(holder, file);
      else {
        const m = missing.get(id) ?? { first: `snapshot ${label}: ${path || '/'}`, files: new Set<string>() };
        m.files.add(file);
        missing.set(id, m);
      }
      return true;
    }
    if (copies.every((c) => bad(id, c.pack))) {
      for (const c of copies) affect(c.pack, file);
      return true;
    }
    return false;
  };

  // A tree is content-addressed, so one whose whole subtree was found sound is sound wherever it
  // appears again: each distinct tree is walked once, and a crafted "tree bomb" (one directory
  // named twice at every level: billions of paths from a few blobs) costs what it stores. Only
  // trees with damage below are walked again, to name every affected path, up to a budget.
  const sound = new Set<string>();
  const walked = new Set<string>();
  let revisits = 0;
  let truncated = false;
  for (const s of snaps) {
    const label = s.id.slice(0, 8);
    const walk = async (treeId: string, prefix: string): Promise<boolean> => {
      if (sound.has(treeId)) return true;
      if (visitBlob(treeId, `${label}:${prefix || '/'}`, label, prefix)) return false;
      let nodes;
      try {
        nodes = parseTree(await repo.loadBlob(treeId, 'tree'), treeId).nodes;
      } catch (e) {
        if (!isDamage(e)) throw e;
        report.errors.push({ kind: 'damaged-blob', object: treeId, message: `snapshot ${label}: directory ${prefix || '/'} cannot be read (${e.message}); everything below it is lost from this snapshot ('holdfast repair snapshots' salvages the rest)`, affects: [`${label}:${prefix || '/'}`] });
        return false;
      }
      if (walked.has(treeId) && (revisits += nodes.length) > MAX_DAMAGED_REVISITS) {
        truncated = true;
        return false;
      }
      walked.add(treeId);
      let ok = true;
      for (const n of nodes) {
        const path = prefix ? `${prefix}/${n.name}` : n.name;
        for (const c of n.content ?? []) if (visitBlob(c, `${label}:${path}`, label, path)) ok = false;
        if (n.type === 'dir' && n.subtree && !(await walk(n.subtree, path))) ok = false;
      }
      if (ok) sound.add(treeId);
      return ok;
    };
    await walk(s.snapshot.tree, '');
  }
  if (truncated)
    report.notices.push({ kind: 'damaged-blob', object: '', message: `the list of affected files is cut short after ${MAX_DAMAGED_REVISITS} entries under damaged directories` });

  // A pack is the only source of a blob snapshots use when no other pack holds a good copy of it.
  const onlySource = (pack: string) => (byPack.get(pack) ?? []).some((b) => used.has(b.id) && !repo.index.copies(b.id).some((c) => c.pack !== pack && !bad(b.id, c.pack)));
  judgePacks(problems, affected, onlySource, report);
  for (const [id, m] of missing)
    report.errors.push({
      kind: 'missing-blob',
      object: id,
      message: `${m.first} needs blob ${id.slice(0, 12)}, which is not in the index and in no pack${m.files.size > 1 ? ` (as do ${m.files.size - 1} more file(s): ${describe(m.files)})` : ''}; the data is lost — run 'holdfast repair snapshots' to salvage the rest`,
      affects: [...m.files],
    });
  for (const pack of new Set(unindexed.values())) {
    const files = affected.get(pack);
    if (files)
      report.errors.push({
        kind: 'index-incomplete',
        object: pack,
        message: `pack ${pack.slice(0, 12)} holds data that snapshots use (${describe(files)}) but no index names it: index incomplete — run 'holdfast repair index'`,
        affects: [...files],
      });
    else report.notices.push({ kind: 'unindexed-pack', object: pack, message: `pack ${pack.slice(0, 12)} is not indexed and holds nothing snapshots use (left by an interrupted backup; prune removes it)` });
  }
  reportDamagedMetadata(repo, report);
  return report;
}

/** Downloads every indexed pack and records the copies that fail, with why. */
async function readAllPacks(
  repo: Repository,
  stored: Map<string, number>,
  byPack: ReturnType<Repository['index']['byPack']>,
  problem: ProblemSink,
  report: CheckReport,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  let done = 0;
  for (const [pack, blobs] of byPack) {
    if (!stored.has(pack)) continue;
    onProgress?.(done++, byPack.size);
    const short = pack.slice(0, 12);
    const data = await repo.store.get(packName(pack));
    report.bytesRead += data.length;
    if (createHash('sha256').update(data).digest('hex') !== pack) problem(pack, 'damaged-pack', `pack ${short}: content does not match its name`, []);
    try {
      readPackHeader(repo.workerKeys().encKey, data, pack);
    } catch (e) {
      if (!isDamage(e)) throw e;
      problem(pack, 'damaged-pack', e.message, [], true);
    }
    const failed: string[] = [];
    for (const { id, loc } of blobs) {
      try {
        if (loc.offset + loc.length > data.length) throw new Error('cut off');
        repo.openBlob(id, data.subarray(loc.offset, loc.offset + loc.length), pack);
      } catch {
        failed.push(id);
      }
    }
    if (failed.length) problem(pack, 'damaged-pack', `${failed.length} of ${blobs.length} blobs in pack ${short} fail to decrypt or verify`, failed);
  }
}

/**
 * A pack problem that costs files is an error; so is a cut or damaged header on a pack that is the
 * only source of some blob (nothing is lost yet, but the pack can no longer be re-indexed from
 * itself). Damaged copies whose blobs all have intact twins are notices.
 */
function judgePacks(problems: Map<string, PackProblem>, affected: Map<string, Set<string>>, onlySource: (pack: string) => boolean, report: CheckReport): void {
  for (const [pack, p] of problems) {
    const files = affected.get(pack);
    const what = p.reasons.join('; ');
    if (files)
      report.errors.push({
        kind: p.kind,
        object: pack,
        message: `${what}; lost: ${describe(files)}, no intact copy elsewhere — restore those from another backup, then run 'holdfast repair snapshots' to salvage the rest`,
        affects: [...files],
      });
    else if (p.structural && onlySource(pack))
      report.errors.push({
        kind: p.kind,
        object: pack,
        message: `${what}; no file is lost yet (its blobs read through the index), but the pack cannot be re-indexed from its header — run 'holdfast repair index --read-all-data': it copies the pack's intact blobs into new packs and drops it`,
      });
    else if (p.kind === 'missing-pack')
      report.notices.push({ kind: p.kind, object: pack, message: `${what}; nothing is lost (every blob snapshots use has a copy elsewhere): run 'holdfast repair index' to drop the stale entries` });
    else
      report.notices.push({
        kind: p.kind,
        object: pack,
        message: `${what}; nothing snapshots use is lost (each damaged blob has an intact copy elsewhere, or is unused): run 'holdfast repair index --read-all-data' to drop the damaged copies`,
      });
  }
}

/** "3 file(s) in snapshot(s) 1a2b3c4d, 5e6f7a8b". */
function describe(files: Set<string>): string {
  const snaps = new Set([...files].map((f) => f.slice(0, f.indexOf(':'))));
  return `${files.size} file(s) in snapshot(s) ${[...snaps].join(', ')}`;
}

/** Index segments, snapshots and plans the repository skipped because they cannot be read. */
function reportDamagedMetadata(repo: Repository, report: CheckReport): void {
  for (const d of repo.damaged) {
    if (d.kind === 'index')
      report.errors.push({ kind: 'damaged-index', object: d.name, message: `damaged index segment: ${d.reason}; run 'holdfast repair index' to rebuild the index from the packs` });
    else if (d.kind === 'snapshot')
      report.errors.push({ kind: 'unreadable-snapshot', object: d.name, message: `damaged snapshot: ${d.reason}; it cannot be restored — run 'holdfast repair snapshots --forget' to remove it` });
    else report.notices.push({ kind: 'damaged-plan', object: d.name, message: `damaged deletion plan: ${d.reason}; ignored (its packs are kept), the next prune removes it` });
  }
}
