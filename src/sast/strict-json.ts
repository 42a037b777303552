/**
 * Where bytes stop being UTF-8: decoding would swap them for U+FFFD silently, so a report that is
 * not UTF-8 is refused naming the first bad byte. (The JSON-level checks are in report-scan.ts.)
 */
import { isUtf8 } from 'node:buffer';

/** The offset of the first byte that does not start a valid UTF-8 sequence, or -1. */
export function invalidUtf8At(b: Uint8Array): number {
  if (isUtf8(b)) return -1;
  // Only on failure: find where, byte by byte.
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
