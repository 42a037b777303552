/**
 * What JSON.parse lets through silently and a report must not: bytes that are not UTF-8 (decoding
 * would swap them for U+FFFD), a key given twice in one object (JSON.parse keeps the last, so a
 * second "level": "note" quietly turns an error into a note), a lone surrogate escape such as
 * "\ud800" (it cannot be stored as UTF-8), and nesting deeper than any SARIF needs. Each is refused
 * with the byte offset where it is. Runs on bytes already known to be valid JSON.
 */
import { invalidInput } from '../base/errors.js';

export const maxDepth = 256;

const fatal = new TextDecoder('utf-8', { fatal: true });

/** The offset of the first byte that does not start a valid UTF-8 sequence, or -1. */
export function invalidUtf8At(b: Uint8Array): number {
  try {
    fatal.decode(b);
    return -1;
  } catch {
    // Only on failure: find where, byte by byte.
  }
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0 || i + n >= b.length) return i;
    for (let k = 1; k <= n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    // Overlong three- and four-byte forms, UTF-16 surrogates, and code points past U+10FFFF.
    const c1 = b[i + 1]!;
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 >= 0xa0) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 >= 0x90)) return i;
    i += n + 1;
  }
  return b.length;
}

type Frame = { keys: Set<string> | undefined; at: number; expectKey: boolean };

/** Throws for a duplicate key, a lone surrogate escape or too deep nesting in valid JSON `b`. */
export function checkJsonStrictness(b: Buffer, name: string): void {
  const stack: Frame[] = [];
  const start = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  for (let i = start; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0x22) {
      const end = stringEnd(b, i);
      // Only this string's bytes: searching on to the end of the buffer made every string cost the
      // rest of the report (quadratic in a report without backslashes).
      const hasEscape = b.subarray(i + 1, end).includes(0x5c);
      if (hasEscape) checkSurrogates(b, i, end, name);
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = hasEscape ? (JSON.parse(b.toString('utf8', i, end + 1)) as string) : b.toString('utf8', i + 1, end);
        if (top.keys.has(key)) throw invalidInput('REPORT_DUPLICATE_KEY', `ingest report ${name}: duplicate key ${JSON.stringify(key.slice(0, 80))} at byte ${i} (in the object opened at byte ${top.at}); refused, as JSON.parse would silently keep only the last`);
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (stack.length >= maxDepth) throw invalidInput('REPORT_TOO_DEEP', `ingest report ${name}: nested deeper than ${maxDepth} levels at byte ${i}`);
      stack.push({ keys: c === 0x7b ? new Set() : undefined, at: i, expectKey: c === 0x7b });
    } else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
}

/** The index of the quote closing the string opened at `open`. */
function stringEnd(b: Buffer, open: number): number {
  for (let j = open + 1; ; ) {
    const q = b.indexOf(0x22, j);
    if (q < 0) return b.length - 1;
    let slashes = 0;
    for (let k = q - 1; k > open && b[k] === 0x5c; k--) slashes++;
    if (slashes % 2 === 0) return q;
    j = q + 1;
  }
}

const hex = (b: Buffer, at: number) => parseInt(b.toString('latin1', at, at + 4), 16);

function checkSurrogates(b: Buffer, open: number, end: number, name: string): void {
  for (let i = open + 1; i < end; i++) {
    if (b[i] !== 0x5c) continue;
    if (b[i + 1] !== 0x75) {
      i++; // \" \\ \n ...: skip the escaped character
      continue;
    }
    const u = hex(b, i + 2);
    if (u >= 0xd800 && u <= 0xdbff && b[i + 6] === 0x5c && b[i + 7] === 0x75) {
      const low = hex(b, i + 8);
      if (low >= 0xdc00 && low <= 0xdfff) {
        i += 11;
        continue;
      }
    }
    if (u >= 0xd800 && u <= 0xdfff) throw invalidInput('REPORT_LONE_SURROGATE', `ingest report ${name}: lone surrogate escape \\u${b.toString('latin1', i + 2, i + 6)} at byte ${i}: not a character, and not storable as UTF-8`);
    i += 5;
  }
}
