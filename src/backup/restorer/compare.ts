/**
 * Does a directory hold exactly what a snapshot's manifest says? Entry by entry: type, size, mode,
 * owner and group (numeric), and mtime to the millisecond, plus anything present that the manifest
 * does not name. Content is not re-read here: the restore already authenticated every chunk against
 * its id as it wrote it. Ownership counts because a restore without the right to chown (a non-root
 * data mover) leaves every file owned by itself, and an application that checks ownership (PostgreSQL
 * refuses a data directory it does not own) fails on a volume that would otherwise look "verified".
 * Extended attributes count too (an ACL that grants a service user access is part of the data); a
 * snapshot made before they were recorded has none to compare.
 */
import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { walkTree } from '../maintenance/walk.js';
import type { Repository } from '../repository/repository.js';
import { findSnapshot } from '../snapshot/snapshot.js';
import type { TreeNode } from '../snapshot/tree.js';
import { escapeName } from '../snapshot/names.js';
import { FILESYSTEM_OWNED } from './restorer.js';
import { xattrDifferences } from '../xattrs/format.js';
import { scanXattrs } from '../xattrs/read.js';

// Paths are compared as bytes (latin1 keys): a restored name need not be UTF-8 (snapshot/names.ts).
const SLASH = Buffer.from('/');
const under = (root: Buffer, rel: Buffer) => Buffer.concat([root, SLASH, rel]);

async function listDir(root: Buffer, prefix?: Buffer, out = new Set<string>()): Promise<Set<string>> {
  for (const e of await readdir(prefix ? under(root, prefix) : root, { withFileTypes: true, encoding: 'buffer' })) {
    const p = prefix ? under(prefix, e.name) : e.name;
    out.add(p.toString('latin1'));
    if (e.isDirectory()) await listDir(root, p, out);
  }
  return out;
}

/** Mode (not for a symlink, whose mode Linux ignores), owner and group of one entry against its node. */
export function metadataProblems(path: string, n: Pick<TreeNode, 'type' | 'mode' | 'uid' | 'gid'>, st: Pick<Stats, 'mode' | 'uid' | 'gid'>): string[] {
  const out: string[] = [];
  if (n.type !== 'symlink' && (st.mode & 0o7777) !== (n.mode & 0o7777)) out.push(`${path}: mode ${(st.mode & 0o7777).toString(8)}, the restore point has ${(n.mode & 0o7777).toString(8)}`);
  if (st.uid !== n.uid || st.gid !== n.gid) out.push(`${path}: owned by ${st.uid}:${st.gid}, the restore point has ${n.uid}:${n.gid}`);
  return out;
}

export async function compareData(repo: Repository, root: string, snapshotId: string): Promise<{ entries: number; bytes: number; problems: string[] }> {
  await repo.loadIndex();
  const snap = await findSnapshot(repo, snapshotId);
  const problems: string[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  const rootBytes = Buffer.from(root);
  const scan = await scanXattrs(rootBytes);
  let toldUnavailable = false;
  const compareXattrs = (path: string, raw: Buffer, want: TreeNode['xattrs']) => {
    if (!scan.unavailable) return void problems.push(...xattrDifferences(path, want ?? [], scan.byPath.get(raw.toString('latin1')) ?? []));
    // Only a snapshot that has attributes needs the tool, and that is said once.
    if (want?.length && !toldUnavailable) problems.push(`extended attributes not compared: ${scan.unavailable}`);
    toldUnavailable ||= !!want?.length;
  };
  await walkTree(repo, snap.snapshot.tree, async (path: string, n: TreeNode, raw: Buffer) => {
    seen.add(raw.toString('latin1'));
    const st = await lstat(under(rootBytes, raw)).catch(() => undefined);
    const type = st?.isDirectory() ? 'dir' : st?.isSymbolicLink() ? 'symlink' : st?.isFile() ? 'file' : 'missing';
    if (type !== n.type) return void problems.push(`${path}: is ${type}, the restore point has a ${n.type}`);
    if (n.type === 'file') {
      bytes += n.size ?? 0;
      if (st!.size !== (n.size ?? 0)) problems.push(`${path}: ${st!.size} bytes, the restore point has ${n.size}`);
      if (Math.floor(Number(BigInt(n.mtimeNs) / 1_000_000n)) !== Math.floor(st!.mtimeMs)) problems.push(`${path}: modified at another time than in the restore point`);
    }
    problems.push(...metadataProblems(path, n, st!));
    compareXattrs(path, raw, n.xattrs);
  });
  // The top directory carries the source directory's own metadata (a database directory is often 0700).
  const top = snap.snapshot.root;
  if (top) problems.push(...metadataProblems('.', { type: 'dir', ...top }, await lstat(root)));
  if (top) compareXattrs('.', Buffer.alloc(0), top.xattrs);
  for (const key of await listDir(rootBytes)) {
    const p = escapeName(Buffer.from(key, 'latin1'));
    if (!seen.has(key) && !FILESYSTEM_OWNED.has(p.split('/')[0]!)) problems.push(`${p}: not in the restore point`);
  }
  return { entries: seen.size, bytes, problems };
}

