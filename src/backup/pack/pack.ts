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
import { createHash } from 'node:crypto';
import { corrupt } from '../../base/errors.js';
import { open, seal } from '../crypto/seal.js';

export type BlobType = 'data' | 'tree';

export interface PackedBlob {
  type: BlobType;
  id: string;
  offset: number;
  length: number;
  rawLength: number;
}

const HEADER_AAD = Buffer.from('holdfast-pack-header-v1');

export class PackBuilder {
  private parts: Buffer[] = [];
  private size = 0;
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
    this.size += sealed.length;
  }

  finish(encKey: Buffer): { id: string; data: Buffer; blobs: PackedBlob[] } {
    const header = Buffer.from(JSON.stringify(this.blobs.map((b) => [b.type === 'data' ? 0 : 1, b.id, b.offset, b.length, b.rawLength])));
    const sealedHeader = seal(encKey, header, HEADER_AAD);
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32LE(sealedHeader.length);
    const data = Buffer.concat([...this.parts, sealedHeader, trailer]);
    this.parts = [];
    return { id: createHash('sha256').update(data).digest('hex'), data, blobs: this.blobs };
  }
}

export function packName(id: string): string {
  return `data/${id.slice(0, 2)}/${id}`;
}

/** Reads the blob list from a whole pack. Used by check and index rebuild. */
export function readPackHeader(encKey: Buffer, pack: Buffer, packId: string): PackedBlob[] {
  const what = `pack ${packId.slice(0, 12)}`;
  if (pack.length < 4) throw corrupt('PACK_TRUNCATED', `open ${what}: truncated (${pack.length} bytes)`);
  const hlen = pack.readUInt32LE(pack.length - 4);
  if (hlen + 4 > pack.length) throw corrupt('PACK_TRUNCATED', `open ${what}: header length ${hlen} exceeds pack size`);
  const raw = open(encKey, pack.subarray(pack.length - 4 - hlen, pack.length - 4), HEADER_AAD, `${what} header`);
  const rows = JSON.parse(raw.toString()) as [number, string, number, number, number][];
  return rows.map(([t, id, offset, length, rawLength]) => ({ type: t === 0 ? 'data' : 'tree', id, offset, length, rawLength }));
}
