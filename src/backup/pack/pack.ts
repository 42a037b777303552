/**
 * Packs: immutable files that hold many sealed blobs, so a repository has thousands of objects
 * rather than millions. Layout (docs/repository-format.md):
 *
 *   blob₁ ‖ blob₂ ‖ … ‖ sealed header ‖ u32le header length
 *
 * The header lists every blob (type, id, offset, sealed length, plaintext length) and is sealed
 * with the pack's own trailer as associated data, so the index can be rebuilt from the packs alone.
 * A pack's name is the SHA-256 of its bytes: a damaged pack is detectable without any key.
 */
import { createHash, type Hash } from 'node:crypto';
import { corrupt } from '../../base/errors.js';
import { SEAL_OVERHEAD, open, seal } from '../crypto/seal.js';

export type BlobType = 'data' | 'tree';

export interface PackedBlob {
  type: BlobType;
  id: string;
  offset: number;
  length: number;
  rawLength: number;
}

const HEADER_AAD = Buffer.from('holdfast-pack-header-v1');

/**
 * A pack being filled. The pack's SHA-256 is updated as each blob is added and the parts are
 * handed to the store as they are (a vectored write): finishing a 16 MiB pack hashed and joined
 * it all at once, 40 % of the main thread's busy time during a backup.
 */
export class PackBuilder {
  private parts: Buffer[] = [];
  private size = 0;
  private readonly hash: Hash = createHash('sha256');
  readonly blobs: PackedBlob[] = [];

  get length(): number {
    return this.size;
  }
  get count(): number {
    return this.blobs.length;
  }

  add(type: BlobType, id: string, sealed: Buffer, rawLength: number): void {
    this.blobs.push({ type, id, offset: this.size, length: sealed.length, rawLength });
    this.parts.push(sealed);
    this.hash.update(sealed);
    this.size += sealed.length;
  }

  /** The pack as its parts in order, its id and length; the builder is spent. */
  finish(encKey: Buffer): FinishedPack {
    const data = [...this.parts];
    this.parts = [];
    return closePack(this.hash, encKey, this.blobs, data, this.size);
  }
}

export interface FinishedPack {
  id: string;
  data: Buffer[];
  length: number;
  blobs: PackedBlob[];
}

/** Appends the sealed header and trailer to a pack's blobs and names it. */
function closePack(hash: Hash, encKey: Buffer, blobs: PackedBlob[], data: Buffer[], size: number): FinishedPack {
  const { id, tail } = packTail(hash, encKey, blobs);
  return { id, data: [...data, tail], length: size + tail.length, blobs };
}

/** What follows a pack's blobs (sealed header, trailer), and the pack's id given the hash of its blobs. */
export function packTail(hash: Hash, encKey: Buffer, blobs: readonly PackedBlob[]): { id: string; tail: Buffer } {
  const sealedHeader = seal(encKey, headerJson(blobs), HEADER_AAD);
  const tail = Buffer.alloc(sealedHeader.length + 4);
  sealedHeader.copy(tail);
  tail.writeUInt32LE(sealedHeader.length, sealedHeader.length);
  return { id: hash.update(tail).digest('hex'), tail };
}

function headerJson(blobs: readonly PackedBlob[]): Buffer {
  return Buffer.from(JSON.stringify(blobs.map((b) => [b.type === 'data' ? 0 : 1, b.id, b.offset, b.length, b.rawLength])));
}

/**
 * The exact size of a pack holding these blobs, as PackBuilder writes it: the header is a function
 * of the blob list, so the index alone says how long each pack must be, and a truncated pack is
 * caught by listing the store, without reading it.
 */
export function expectedPackSize(blobs: readonly PackedBlob[]): number {
  const sorted = [...blobs].sort((a, b) => a.offset - b.offset);
  const end = sorted.reduce((m, b) => Math.max(m, b.offset + b.length), 0);
  return end + headerJson(sorted).length + SEAL_OVERHEAD + 4;
}

export function packName(id: string): string {
  return `data/${id.slice(0, 2)}/${id}`;
}

/** Reads the blob list from a whole pack. Used by check --read-data and repair --read-all-data. */
export function readPackHeader(encKey: Buffer, pack: Buffer, packId: string): PackedBlob[] {
  const what = `pack ${packId.slice(0, 12)}`;
  if (pack.length < 4) throw corrupt('PACK_TRUNCATED', `open ${what}: truncated (${pack.length} bytes)`);
  const hlen = pack.readUInt32LE(pack.length - 4);
  if (hlen + 4 > pack.length) throw corrupt('PACK_TRUNCATED', `open ${what}: header length ${hlen} exceeds pack size`);
  return openHeader(encKey, pack.subarray(pack.length - 4 - hlen, pack.length - 4), packId, pack.length);
}

/** Bytes read from a pack's end at first: a header of a few thousand blobs fits, so one request usually does. */
const TAIL_GUESS = 64 * 1024;

/**
 * Reads the blob list of a pack of `size` bytes without downloading the pack: its tail (trailer
 * and, usually, the header) in one ranged read, the rest of the header in a second if it is longer.
 * This is what rebuilding the index reads of each pack.
 */
export async function fetchPackHeader(get: (range: { offset: number; length: number }) => Promise<Buffer>, encKey: Buffer, packId: string, size: number): Promise<PackedBlob[]> {
  const what = `pack ${packId.slice(0, 12)}`;
  if (size < 4) throw corrupt('PACK_TRUNCATED', `open ${what}: truncated (${size} bytes)`);
  const tailLen = Math.min(size, TAIL_GUESS);
  let tail = await get({ offset: size - tailLen, length: tailLen });
  if (tail.length !== tailLen) throw corrupt('PACK_TRUNCATED', `open ${what}: shorter than the store says (${size - tailLen + tail.length} of ${size} bytes)`);
  const hlen = tail.readUInt32LE(tail.length - 4);
  if (hlen + 4 > size) throw corrupt('PACK_TRUNCATED', `open ${what}: header length ${hlen} exceeds pack size ${size} (truncated?)`);
  if (hlen + 4 > tailLen) tail = await get({ offset: size - 4 - hlen, length: hlen + 4 });
  if (tail.length < hlen + 4) throw corrupt('PACK_TRUNCATED', `open ${what}: header cut short`);
  return openHeader(encKey, tail.subarray(tail.length - 4 - hlen, tail.length - 4), packId, size);
}

/**
 * Decrypts a header and checks what can be checked without the blobs: every row well formed and
 * every blob inside the pack, before the header. A header that passes is trusted only as far as the
 * AEAD tag goes; the blobs it lists are verified when they are read.
 */
function openHeader(encKey: Buffer, sealedHeader: Buffer, packId: string, packSize: number): PackedBlob[] {
  const what = `pack ${packId.slice(0, 12)}`;
  const raw = open(encKey, sealedHeader, HEADER_AAD, `${what} header`);
  let rows: unknown;
  try {
    rows = JSON.parse(raw.toString());
  } catch {
    throw corrupt('PACK_HEADER', `open ${what} header: not valid JSON`);
  }
  const blobsEnd = packSize - 4 - sealedHeader.length;
  if (!Array.isArray(rows)) throw corrupt('PACK_HEADER', `open ${what} header: not a list of blobs`);
  return rows.map((r: unknown, i) => {
    const ok =
      Array.isArray(r) && r.length === 5 && (r[0] === 0 || r[0] === 1) && typeof r[1] === 'string' && /^[0-9a-f]{64}$/.test(r[1]) &&
      [r[2], r[3], r[4]].every((n) => Number.isSafeInteger(n) && (n as number) >= 0) && (r[2] as number) + (r[3] as number) <= blobsEnd;
    if (!ok) throw corrupt('PACK_HEADER', `open ${what} header: entry ${i} is malformed or lies outside the pack`);
    const [t, id, offset, length, rawLength] = r as [number, string, number, number, number];
    return { type: t === 0 ? 'data' : 'tree', id, offset, length, rawLength };
  });
}
