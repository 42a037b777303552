/**
 * Trees: one blob per directory, listing its entries sorted by name. A tree is what restore trusts
 * least, because a snapshot may be crafted: `parseTree` rejects names that could step outside the
 * restore target ("..", "/", NUL, duplicates) before anything is written.
 */
import { z } from 'zod';
import { corrupt } from '../../base/errors.js';

const nodeSchema = z.object({
  name: z.string(),
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
});
export type TreeNode = z.infer<typeof nodeSchema>;

const treeSchema = z.object({ nodes: z.array(nodeSchema) });
export interface Tree {
  nodes: TreeNode[];
}

export function isSafeName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
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
  for (const n of r.data.nodes) {
    if (!isSafeName(n.name)) throw corrupt('TREE_UNSAFE_NAME', `read tree ${id.slice(0, 12)}: refusing entry name ${JSON.stringify(n.name)}`);
    if (seen.has(n.name)) throw corrupt('TREE_DUPLICATE', `read tree ${id.slice(0, 12)}: entry ${JSON.stringify(n.name)} appears twice`);
    seen.add(n.name);
    if (n.type === 'dir' && !n.subtree) throw corrupt('TREE_FORMAT', `read tree ${id.slice(0, 12)}: directory ${n.name} has no subtree`);
  }
  return r.data;
}
