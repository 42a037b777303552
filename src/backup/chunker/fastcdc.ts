/**
 * Content-defined chunking, FastCDC style (Xia et al., 2016): a gear rolling hash over the bytes,
 * with "normalized chunking" — a stricter mask before the average size and a looser one after —
 * so chunk sizes cluster around the average. Boundaries depend only on content, so an insert
 * shifts at most the chunks around it and the rest dedup.
 *
 * The gear table is derived from a per-repository secret seed: with a public table, chunk sizes
 * would leak information about the plaintext to whoever sees the sealed sizes.
 */
import { createHmac } from 'node:crypto';

export interface ChunkerParams {
  min: number;
  avg: number;
  max: number;
}

export const DEFAULT_CHUNKER: ChunkerParams = { min: 512 * 1024, avg: 1024 * 1024, max: 8 * 1024 * 1024 };

export function gearTable(seed: Buffer): Uint32Array {
  const out = new Uint32Array(256);
  const bytes = Buffer.alloc(1024);
  for (let i = 0; i < 32; i++) createHmac('sha256', seed).update(`gear-${i}`).digest().copy(bytes, i * 32);
  for (let i = 0; i < 256; i++) out[i] = bytes.readUInt32LE(i * 4);
  return out;
}

/**
 * A mask of the `bits` highest bits: in a gear hash the high bits depend on the most recent
 * 32 bytes, the low bits only on the last few, so testing high bits gives a proper window.
 */
function mask(bits: number): number {
  return (0xffffffff << (32 - bits)) >>> 0;
}

export class Chunker {
  private readonly maskS: number;
  private readonly maskL: number;
  constructor(
    protected readonly gear: Uint32Array,
    readonly params: ChunkerParams = DEFAULT_CHUNKER,
  ) {
    const bits = Math.round(Math.log2(params.avg));
    this.maskS = mask(bits + 2) | 0;
    this.maskL = mask(bits - 2) | 0;
  }

  /**
   * Length of the next chunk at the start of `buf`. When `final` is false and no boundary is found
   * before the end of `buf` (and `buf` is shorter than max), returns -1: the caller needs more data.
   */
  cut(buf: Uint8Array, start: number, end: number, final: boolean): number {
    const { min, avg, max } = this.params;
    const n = end - start;
    if (n <= min) return final ? n : n >= max ? max : -1;
    const limit = Math.min(n, max);
    const normal = Math.min(limit, avg);
    const at = this.scan(buf, start + min, start + normal, start + limit, this.maskS, this.maskL);
    if (at >= 0) return at - start;
    if (limit === max) return max;
    return final ? n : -1;
  }

  /**
   * The gear hash from `from` (hash 0 there): the index just past the first byte where it matches
   * the strict mask before `normalEnd` or the loose one after, or -1 before `limitEnd`.
   */
  protected scan(buf: Uint8Array, from: number, normalEnd: number, limitEnd: number, maskS: number, maskL: number): number {
    const gear = this.gear;
    let h = 0;
    let i = from;
    for (; i < normalEnd; i++) {
      h = ((h << 1) + gear[buf[i]!]!) | 0;
      if ((h & maskS) === 0) return i + 1;
    }
    for (; i < limitEnd; i++) {
      h = ((h << 1) + gear[buf[i]!]!) | 0;
      if ((h & maskL) === 0) return i + 1;
    }
    return -1;
  }
}
