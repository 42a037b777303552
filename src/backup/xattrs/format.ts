/**
 * Extended attributes (xattrs) as a tree node stores them, and the text format of Debian's attr
 * tools that read and write them for us (Node has no xattr API).
 *
 * POSIX ACLs travel as the xattrs `system.posix_acl_access` and `system.posix_acl_default`, as
 * restic stores them: their value is the kernel's binary form, restored byte for byte. Every
 * namespace the reader may list is kept (`user.*`, `trusted.*` and `security.*` as root, which
 * carries file capabilities and SELinux labels), as restic does by default.
 *
 * A node keeps `xattrs: [{name, value}]`, `value` the canonical base64 of the bytes, sorted by the
 * bytes of the name so equal attributes always make the same tree blob. Names are bytes like entry
 * names: `nameRaw` (base64) holds them when they are not UTF-8 (snapshot/names.ts).
 *
 * The attr tools' dump (`getfattr --dump -e base64`, read back by `setfattr --restore`) is
 * `# file: <path>` followed by `<name>=0s<base64>` lines and a blank line; in paths and names every
 * byte the tools would misread (control characters, `\`, `=`, space, bytes ≥ 0x7f in names) is
 * written `\ooo` in octal. The same quoting names a path in their error lines.
 */
import { z } from 'zod';
import { isCanonicalBase64, nameBytes, nodeName } from '../snapshot/names.js';

export const xattrSchema = z.object({ name: z.string(), nameRaw: z.string().optional(), value: z.string() });
export type Xattr = z.infer<typeof xattrSchema>;

/** Linux limits: a name of at most 255 bytes with a namespace prefix, a value of at most 64 KiB. */
const MAX_NAME = 255;
const MAX_VALUE = 65536;

/** Why a stored attribute may not be restored (a crafted tree), or undefined when it may. */
export function xattrProblem(x: Xattr): string | undefined {
  if (x.nameRaw !== undefined && !isCanonicalBase64(x.nameRaw)) return 'malformed raw name';
  const name = nameBytes(x);
  if (name.length === 0 || name.length > MAX_NAME || name.includes(0) || !name.includes(0x2e)) return `invalid name ${JSON.stringify(x.name)}`;
  if (!isCanonicalBase64(x.value) || Buffer.from(x.value, 'base64').length > MAX_VALUE) return `malformed value of ${JSON.stringify(x.name)}`;
  return undefined;
}

/** Sorted by name bytes, so a tree's encoding does not depend on the order the tool listed them. */
export function sortXattrs(list: Xattr[]): Xattr[] {
  return [...list].sort((a, b) => Buffer.compare(nameBytes(a), nameBytes(b)));
}

/** Decodes the tools' `\ooo` escapes; the input is latin1 text, one character per byte. */
export function unquote(s: string): Buffer {
  return Buffer.from(s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), 'latin1');
}

/** Quotes bytes for a dump line (see the header); `strict` also quotes bytes ≥ 0x7f (names). */
export function quote(b: Uint8Array, strict = false): string {
  let out = '';
  for (const c of b) {
    const plain = c > 0x20 && c !== 0x5c && c !== 0x3d && (c < 0x7f || !strict);
    out += plain ? String.fromCharCode(c) : `\\${c.toString(8).padStart(3, '0')}`;
  }
  return out;
}

/** One entry of a dump: a path (bytes) and its attributes. */
export interface DumpEntry {
  path: Buffer;
  xattrs: Xattr[];
}

/**
 * Reads a dump line by line (latin1 text, so bytes survive): returns an entry each time one is
 * complete. Values must be base64 (`0s`), which `-e base64` guarantees; anything else is an error.
 */
export class DumpReader {
  private current: DumpEntry | undefined;

  line(l: string): DumpEntry | undefined {
    if (l.startsWith('# file: ')) {
      const done = this.end();
      this.current = { path: unquote(l.slice(8)), xattrs: [] };
      return done;
    }
    if (l === '') return this.end();
    const eq = l.indexOf('=');
    if (!this.current || eq <= 0 || !l.startsWith('0s', eq + 1)) throw new Error(`unexpected line in attribute dump: ${JSON.stringify(l.slice(0, 80))}`);
    const value = Buffer.from(l.slice(eq + 3), 'base64').toString('base64');
    this.current.xattrs.push({ ...nodeName(unquote(l.slice(0, eq))), value });
    return undefined;
  }

  end(): DumpEntry | undefined {
    const done = this.current;
    this.current = undefined;
    return done && { path: done.path, xattrs: sortXattrs(done.xattrs) };
  }
}

/** The dump `setfattr --restore` reads. */
export function printDump(entries: readonly DumpEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const lines = [`# file: ${quote(e.path)}`, ...e.xattrs.map((x) => `${quote(nameBytes(x), true)}=0s${x.value}`), ''];
    parts.push(Buffer.from(lines.join('\n') + '\n', 'latin1'));
  }
  return Buffer.concat(parts);
}

/**
 * `getfattr: <path>: <reason>` (or setfattr) when an entry failed, `<path>: <attribute>: <reason>`
 * (no program name) when one attribute of it did: the path's bytes and the reason, as the tool
 * wrote them. Paths are not quoted for `: `, so a trailing `: <namespace>.<name>` is taken for the
 * attribute.
 */
export function parseToolError(l: string): { path: Buffer; reason: string } | undefined {
  const entry = /^(?:getfattr|setfattr): (\/.*): ([^:]+)$/.exec(l);
  if (entry) return { path: unquote(entry[1]!), reason: entry[2]! };
  const attr = /^(\/.*): (?:user|trusted|security|system)\.[^:/]*: ([^:]+)$/.exec(l);
  return attr ? { path: unquote(attr[1]!), reason: attr[2]! } : undefined;
}

/**
 * What a read error means for one entry: `skip` — nothing to record (the entry vanished, or its
 * filesystem has no xattrs, which restic also treats as none, or the tool could not descend below
 * it because the paths there are too long: the walk meets those entries itself and reports them
 * as unreadable); otherwise the reason for a warning.
 */
export function readErrorMeaning(reason: string): 'skip' | string {
  switch (reason) {
    case 'No such file or directory':
    case 'Operation not supported':
    case 'File name too long':
      return 'skip';
    case 'Permission denied':
    case 'Operation not permitted':
      return 'permission denied';
    default:
      return reason;
  }
}

/**
 * Whether restore sets a stored attribute. An SELinux label is kept in the snapshot but not
 * restored: it belongs to the policy of the host that wrote it, and on another host or for another
 * pod (a volume relabelled with the pod's MCS category) the old label can lock the application out
 * of its own data or be refused outright; the target host labels what it creates.
 */
export function restoredXattr(x: Xattr): boolean {
  return nameBytes(x).toString('latin1') !== SELINUX;
}
const SELINUX = 'security.selinux';

/** Differences between the attributes a snapshot has for `path` and those found on disk (SELinux labels aside, see restoredXattr). */
export function xattrDifferences(path: string, want: readonly Xattr[], got: readonly Xattr[]): string[] {
  const key = (x: Xattr) => nameBytes(x).toString('latin1');
  const have = new Map(got.map((x) => [key(x), x.value]));
  have.delete(SELINUX);
  const out: string[] = [];
  for (const x of want.filter(restoredXattr)) {
    const v = have.get(key(x));
    if (v === undefined) out.push(`${path}: extended attribute ${x.name} is missing`);
    else if (v !== x.value) out.push(`${path}: extended attribute ${x.name} differs from the restore point`);
    have.delete(key(x));
  }
  for (const k of have.keys()) out.push(`${path}: extended attribute ${escapeLatin1(k)} is not in the restore point`);
  return out;
}

const escapeLatin1 = (k: string) => nodeName(Buffer.from(k, 'latin1')).name;
