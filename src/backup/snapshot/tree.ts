/**
 * Trees: one blob per directory, listing its entries sorted by the bytes of their names. A tree is
 * what restore trusts least, because a snapshot may be crafted: `parseTree` rejects names that
 * could step outside the restore target ("..", "/", NUL, duplicates) before anything is written,
 * and it judges the bytes restore will create (`nameRaw` when present, see names.ts).
 */
import { z } from 'zod';
import { corrupt } from '../../base/errors.js';
import { escapeName, isCanonicalBase64, isSafeNameBytes, nameBytes } from './names.js';
import { xattrProblem, xattrSchema, type Xattr } from '../xattrs/format.js';

const nodeSchema = z.object({
  /** Readable name; the exact bytes are in nameRaw when they are not UTF-8 (names.ts). */
  name: z.string(),
  /** Base64 of the name's bytes, present only when they are not valid UTF-8. */
  nameRaw: z.string().optional(),
  type: z.enum(['file', 'dir', 'symlink']),
  mode: z.number().int(),
  uid: z.number().int(),
  gid: z.number().int(),
  /** Nanosecond precision as a decimal string: a double cannot hold it. */
  mtimeNs: z.string().regex(/^\d+$/),
  atimeNs: z.string().regex(/^\d+$/).optional(),
  ctimeNs: z.string().regex(/^\d+$/).optional(),
  inode: z.number().optional(),
  device: z.number().optional(),
  links: z.number().int().optional(),
  size: z.number().int().nonnegative().optional(),
  content: z.array(z.string()).optional(),
  subtree: z.string().optional(),
  linkTarget: z.string().optional(),
  /** Base64 of the symlink target's bytes, present only when they are not valid UTF-8. */
  linkTargetRaw: z.string().optional(),
  /** Extended attributes (POSIX ACLs among them), sorted by name bytes; absent when there are none (xattrs/format.ts). */
  xattrs: z.array(xattrSchema).optional(),
});
export type TreeNode = z.infer<typeof nodeSchema>;

const treeSchema = z.object({ nodes: z.array(nodeSchema) });
export interface Tree {
  nodes: TreeNode[];
}

export function isSafeName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/** A symlink's target as bytes: linkTargetRaw when present. */
export function linkTargetBytes(n: TreeNode): Buffer {
  return n.linkTargetRaw !== undefined ? Buffer.from(n.linkTargetRaw, 'base64') : Buffer.from(n.linkTarget ?? '', 'utf8');
}

export function encodeTree(tree: Tree): Buffer {
  return Buffer.from(JSON.stringify(tree));
}

export function parseTree(raw: Buffer, id: string): Tree {
  let v: unknown;
  try {
    v = JSON.parse(raw.toString());
  } catch {
    throw corrupt('TREE_FORMAT', `read tree ${id.slice(0, 12)}: not valid JSON`);
  }
  const r = treeSchema.safeParse(v);
  if (!r.success) throw corrupt('TREE_FORMAT', `read tree ${id.slice(0, 12)}: ${r.error.issues[0]?.message}`);
  const seen = new Set<string>();
  const seenNames = new Set<string>();
  for (const n of r.data.nodes) {
    for (const raw of [n.nameRaw, n.linkTargetRaw])
      if (raw !== undefined && !isCanonicalBase64(raw)) throw corrupt('TREE_FORMAT', `read tree ${id.slice(0, 12)}: entry ${JSON.stringify(n.name)} has malformed raw bytes`);
    // Judge the bytes restore will create, not the readable name.
    const bytes = nameBytes(n);
    if (!isSafeName(n.name) || !isSafeNameBytes(bytes)) throw corrupt('TREE_UNSAFE_NAME', `read tree ${id.slice(0, 12)}: refusing entry name ${JSON.stringify(escapeName(bytes))}`);
    // Both spellings must be unique: the bytes for restore, `name` for ls, diff, paths and for
    // readers that predate nameRaw.
    const key = bytes.toString('latin1');
    if (seen.has(key) || seenNames.has(n.name)) throw corrupt('TREE_DUPLICATE', `read tree ${id.slice(0, 12)}: entry ${JSON.stringify(escapeName(bytes))} appears twice`);
    seen.add(key);
    seenNames.add(n.name);
    if (n.type === 'dir' && !n.subtree) throw corrupt('TREE_FORMAT', `read tree ${id.slice(0, 12)}: directory ${n.name} has no subtree`);
    const bad = xattrsProblem(n.xattrs);
    if (bad) throw corrupt('TREE_FORMAT', `read tree ${id.slice(0, 12)}: entry ${JSON.stringify(escapeName(bytes))} has ${bad}`);
  }
  return r.data;
}

/** Why a list of extended attributes may not be restored (a crafted tree), or undefined. */
export function xattrsProblem(list: readonly Xattr[] | undefined): string | undefined {
  const seen = new Set<string>();
  for (const x of list ?? []) {
    const bad = xattrProblem(x);
    if (bad) return `an extended attribute with ${bad}`;
    const key = nameBytes(x).toString('latin1');
    if (seen.has(key)) return `the extended attribute ${JSON.stringify(x.name)} twice`;
    seen.add(key);
  }
  return undefined;
}
