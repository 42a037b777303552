/**
 * Trees: one blob per directory, listing its entries sorted by the bytes of their names. A tree is
 * what restore trusts least, because a snapshot may be crafted: `parseTree` rejects names that
 * could step outside the restore target ("..", "/", NUL, duplicates) before anything is written,
 * and it judges the bytes restore will create (`nameRaw` when present, see names.ts).
 */
import { z } from 'zod';
import { corrupt } from '../../base/errors.js';
import { escapeName, isCanonicalBase64, isSafeNameBytes, nameBytes, nameKey } from './names.js';
import { xattrProblem, xattrSchema, type Xattr } from '../xattrs/format.js';

export interface TreeNode {
  /** Readable name; the exact bytes are in nameRaw when they are not UTF-8 (names.ts). */
  name: string;
  /** Base64 of the name's bytes, present only when they are not valid UTF-8. */
  nameRaw?: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  /** Nanosecond precision as a decimal string: a double cannot hold it. */
  mtimeNs: string;
  atimeNs?: string;
  ctimeNs?: string;
  inode?: number;
  device?: number;
  links?: number;
  size?: number;
  content?: string[];
  subtree?: string;
  linkTarget?: string;
  /** Base64 of the symlink target's bytes, present only when they are not valid UTF-8. */
  linkTargetRaw?: string;
  /** Extended attributes (POSIX ACLs among them), sorted by name bytes; absent when there are none (xattrs/format.ts). */
  xattrs?: Xattr[];
}

export interface Tree {
  nodes: TreeNode[];
}

const isString = (v: unknown) => typeof v === 'string';
const isInt = (v: unknown) => Number.isInteger(v);
const isDigits = (v: unknown) => typeof v === 'string' && /^\d+$/.test(v);
const xattrList = z.array(xattrSchema);
/**
 * Each field of a node, whether it is required, and its check. Checked by hand, not by a schema
 * library: a no-change backup reads every tree of its parent, and a schema's parse was a fifth of it.
 * Only these fields are kept, so an unknown field never reaches restore.
 */
const FIELDS: [keyof TreeNode, boolean, (v: unknown) => boolean][] = [
  ['name', true, isString],
  ['nameRaw', false, isString],
  ['type', true, (v) => v === 'file' || v === 'dir' || v === 'symlink'],
  ['mode', true, isInt],
  ['uid', true, isInt],
  ['gid', true, isInt],
  ['mtimeNs', true, isDigits],
  ['atimeNs', false, isDigits],
  ['ctimeNs', false, isDigits],
  ['inode', false, Number.isFinite],
  ['device', false, Number.isFinite],
  ['links', false, isInt],
  ['size', false, (v) => isInt(v) && (v as number) >= 0],
  ['content', false, (v) => Array.isArray(v) && v.every(isString)],
  ['subtree', false, isString],
  ['linkTarget', false, isString],
  ['linkTargetRaw', false, isString],
  ['xattrs', false, (v) => xattrList.safeParse(v).success],
];

const CHECKS = new Map<string, (v: unknown) => boolean>(FIELDS.map(([key, , ok]) => [key, ok]));
const REQUIRED = FIELDS.filter(([, required]) => required).map(([key]) => key);

/**
 * The parsed object itself when it is a well-formed node as it stands: only known fields, each
 * well-formed, the required ones present, and no attributes (which are normalised by a copy).
 * A no-change backup parses every tree of its parent; a copy per node was most of that.
 */
function asNode(o: Record<string, unknown>): TreeNode | undefined {
  for (const key in o) {
    const ok = key === 'xattrs' ? undefined : CHECKS.get(key);
    if (!ok || !ok(o[key])) return undefined;
  }
  for (const key of REQUIRED) if (o[key] === undefined) return undefined;
  return o as unknown as TreeNode;
}

/** The node `v` holds, with only the known fields, or what is wrong with it. */
function readNode(v: unknown): TreeNode | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'is not an object';
  const o = v as Record<string, unknown>;
  const node = asNode(o);
  if (node) return node;
  const out: Record<string, unknown> = {};
  for (const [key, required, ok] of FIELDS) {
    const x = o[key];
    if (x === undefined) {
      if (required) return `has no ${key}`;
      continue;
    }
    if (!ok(x)) return `has a malformed ${key}`;
    out[key] = key === 'xattrs' ? xattrList.parse(x) : x;
  }
  return out as unknown as TreeNode;
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
  const list = (v as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(list)) throw corrupt('TREE_FORMAT', `read tree ${id.slice(0, 12)}: no list of entries`);
  const nodes: TreeNode[] = [];
  for (let i = 0; i < list.length; i++) {
    const n = readNode(list[i]);
    if (typeof n === 'string') throw corrupt('TREE_FORMAT', `read tree ${id.slice(0, 12)}: entry ${i} ${n}`);
    nodes.push(n);
  }
  const seen = new Set<string>();
  const seenNames = new Set<string>();
  for (const n of nodes) {
    if ((n.nameRaw !== undefined && !isCanonicalBase64(n.nameRaw)) || (n.linkTargetRaw !== undefined && !isCanonicalBase64(n.linkTargetRaw)))
      throw corrupt('TREE_FORMAT', `read tree ${id.slice(0, 12)}: entry ${JSON.stringify(n.name)} has malformed raw bytes`);
    // Judge the bytes restore will create, not the readable name. Without nameRaw they are the
    // UTF-8 of `name`, where "/" and NUL can only be themselves: judging `name` is judging them.
    if (!isSafeName(n.name) || (n.nameRaw !== undefined && !isSafeNameBytes(nameBytes(n))))
      throw corrupt('TREE_UNSAFE_NAME', `read tree ${id.slice(0, 12)}: refusing entry name ${JSON.stringify(escapeName(nameBytes(n)))}`);
    // Both spellings must be unique: the bytes for restore, `name` for ls, diff, paths and for
    // readers that predate nameRaw.
    const key = nameKey(n);
    if (seen.has(key) || seenNames.has(n.name)) throw corrupt('TREE_DUPLICATE', `read tree ${id.slice(0, 12)}: entry ${JSON.stringify(escapeName(nameBytes(n)))} appears twice`);
    seen.add(key);
    seenNames.add(n.name);
    if (n.type === 'dir' && !n.subtree) throw corrupt('TREE_FORMAT', `read tree ${id.slice(0, 12)}: directory ${n.name} has no subtree`);
    const bad = n.xattrs && xattrsProblem(n.xattrs);
    if (bad) throw corrupt('TREE_FORMAT', `read tree ${id.slice(0, 12)}: entry ${JSON.stringify(escapeName(nameBytes(n)))} has ${bad}`);
  }
  return { nodes };
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
