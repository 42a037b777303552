/**
 * Entry names as the filesystem has them: bytes. Linux names are any bytes but `/` and NUL, and
 * volumes hold names that are not UTF-8 (Latin-1 file names from an old application, a
 * truncated multi-byte name). Decoding such a name to a JS string replaces the bad bytes with
 * U+FFFD, which loses the file (`lstat` of the decoded name fails) or merges it with a real
 * U+FFFD name. So the archiver and restorer handle names as bytes; a tree node keeps a readable
 * `name` and, only when the bytes are not UTF-8, the exact bytes in `nameRaw` (base64), as restic
 * keeps its raw name beside the readable one.
 *
 * The readable form of a non-UTF-8 name escapes each byte that is not part of a valid UTF-8
 * sequence as `\xNN` and a backslash as `\\`, so two different byte names never share an
 * escaped form. It is what `ls`, `diff` and `restore <snapshot>:<path>` show and accept.
 */

import { isUtf8 as nativeIsUtf8 } from 'node:buffer';

/** A Buffer over the same bytes, not a copy: names are converted once per entry of every backup. */
const view = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

export function isUtf8(b: Uint8Array): boolean {
  // Validates without decoding (simdutf), by the same rules as a fatal TextDecoder.
  return nativeIsUtf8(b);
}

/** The readable form of a name or path given as bytes (see the header); UTF-8 stays as it is. */
export function escapeName(b: Uint8Array): string {
  if (isUtf8(b)) return view(b).toString('utf8');
  let out = '';
  let i = 0;
  while (i < b.length) {
    const len = validSequenceAt(b, i);
    if (len === 0) {
      out += `\\x${b[i]!.toString(16).padStart(2, '0')}`;
      i++;
      continue;
    }
    const ch = Buffer.from(b.subarray(i, i + len)).toString('utf8');
    out += ch === '\\' ? '\\\\' : ch;
    i += len;
  }
  return out;
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function validSequenceAt(b: Uint8Array, i: number): number {
  // A shorter prefix that is not valid may still start a longer sequence that is.
  for (let len = 1; len <= 4 && i + len <= b.length; len++) if (nativeIsUtf8(b.subarray(i, i + len))) return len;
  return 0;
}

/** What a tree node stores for a name read from the filesystem. */
export function nodeName(b: Uint8Array): { name: string; nameRaw?: string } {
  return isUtf8(b) ? { name: view(b).toString('utf8') } : { name: escapeName(b), nameRaw: view(b).toString('base64') };
}

/** The bytes a node names: `nameRaw` when present, else the UTF-8 of `name`. */
export function nameBytes(n: { name: string; nameRaw?: string }): Buffer {
  return n.nameRaw !== undefined ? Buffer.from(n.nameRaw, 'base64') : Buffer.from(n.name, 'utf8');
}

/** Any character outside ASCII (every name byte below 0x80 is its own UTF-8 and latin1). */
const NOT_ASCII = /[\u0080-\uffff]/;

/**
 * A node's name bytes as a latin1 string (one character per byte): a map key that compares and
 * sorts as the bytes do, the same as `bytes.toString('latin1')` of a name read from a directory.
 * An ASCII name is its own key, without the buffer: the walk of a volume keys every entry.
 */
export function nameKey(n: { name: string; nameRaw?: string }): string {
  return n.nameRaw === undefined && !NOT_ASCII.test(n.name) ? n.name : nameBytes(n).toString('latin1');
}

/** A name restore may create inside a directory: not empty, `.` or `..`, no `/` or NUL. */
export function isSafeNameBytes(b: Uint8Array): boolean {
  const dot = 0x2e;
  if (b.length === 0 || (b.length === 1 && b[0] === dot) || (b.length === 2 && b[0] === dot && b[1] === dot)) return false;
  return !b.includes(0x2f) && !b.includes(0);
}

/** Canonical base64 only: one byte string has one encoding, so equal names compare equal. */
export function isCanonicalBase64(s: string): boolean {
  return Buffer.from(s, 'base64').toString('base64') === s;
}

/**
 * Readers that predate `nameRaw` see only `name`, and they must never see two equal names in a
 * tree: when the escaped form of a non-UTF-8 name equals another entry's name (a file literally
 * called `caf\xe9` beside one whose bytes are c a f 0xE9), it gets a `~N` suffix. Names are
 * changed in place; entries with UTF-8 names are never renamed.
 */
export function makeNamesUnique(nodes: { name: string; nameRaw?: string }[]): void {
  if (!nodes.some((n) => n.nameRaw !== undefined)) return;
  const taken = new Set(nodes.filter((n) => n.nameRaw === undefined).map((n) => n.name));
  for (const n of nodes) {
    if (n.nameRaw === undefined) continue;
    let name = n.name;
    for (let i = 1; taken.has(name); i++) name = `${n.name}~${i}`;
    n.name = name;
    taken.add(name);
  }
}
